// png_check — reads a PNG and checks that it has the expected size and is not
// blank: at least `min_colours` distinct colours, none of which covers almost
// the whole picture. Used by the GUI smoke test; prints why it fails.
//
//   png_check FILE WIDTH HEIGHT [MIN_COLOURS]
#include <stb_image.h>

#include <cstdio>
#include <cstdlib>
#include <unordered_map>

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: png_check FILE WIDTH HEIGHT [MIN_COLOURS]\n");
    return 2;
  }
  const int want_w = std::atoi(argv[2]);
  const int want_h = std::atoi(argv[3]);
  const int min_colours = argc > 4 ? std::atoi(argv[4]) : 8;
  int w = 0, h = 0, channels = 0;
  unsigned char* pixels = stbi_load(argv[1], &w, &h, &channels, 3);
  if (pixels == nullptr) {
    std::fprintf(stderr, "png_check: %s: not a readable PNG\n", argv[1]);
    return 1;
  }
  int status = 0;
  if (w != want_w || h != want_h) {
    std::fprintf(stderr, "png_check: %s is %dx%d, expected %dx%d\n", argv[1], w, h, want_w, want_h);
    status = 1;
  }
  std::unordered_map<unsigned, long> histogram;
  const long n = static_cast<long>(w) * h;
  for (long i = 0; i < n; ++i) {
    const unsigned char* p = pixels + i * 3;
    ++histogram[(unsigned{p[0]} << 16) | (unsigned{p[1]} << 8) | p[2]];
  }
  long largest = 0;
  for (const auto& [colour, count] : histogram) largest = count > largest ? count : largest;
  if (static_cast<int>(histogram.size()) < min_colours) {
    std::fprintf(stderr, "png_check: %s has only %zu distinct colours (want >= %d): blank?\n", argv[1],
                 histogram.size(), min_colours);
    status = 1;
  }
  if (largest > n * 98 / 100) {
    std::fprintf(stderr, "png_check: %s is %.1f%% one colour: blank?\n", argv[1], 100.0 * largest / n);
    status = 1;
  }
  if (status == 0) {
    std::printf("png_check: %s %dx%d, %zu colours, largest colour %.1f%%\n", argv[1], w, h, histogram.size(),
                100.0 * largest / n);
  }
  stbi_image_free(pixels);
  return status;
}
