// png_check — reads a PNG and checks that it has the expected size and is not
// blank: at least `min_colours` distinct colours, none of which covers almost
// the whole picture. Used by the GUI smoke test; prints why it fails.
//
//   png_check FILE WIDTH HEIGHT [MIN_COLOURS]
//   png_check --same A B X Y W H [X Y W H ...]
//     the rectangles of A and B are pixel-equal (prints how many differ, and where)
#include <stb_image.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

namespace {

int same_regions(int argc, char** argv) {
  if (argc < 8 || (argc - 4) % 4 != 0) {
    std::fprintf(stderr, "usage: png_check --same A B X Y W H [X Y W H ...]\n");
    return 2;
  }
  int w[2] = {0, 0}, h[2] = {0, 0}, channels = 0;
  unsigned char* px[2] = {stbi_load(argv[2], &w[0], &h[0], &channels, 3), stbi_load(argv[3], &w[1], &h[1], &channels, 3)};
  int status = 0;
  if (px[0] == nullptr || px[1] == nullptr || w[0] != w[1] || h[0] != h[1]) {
    std::fprintf(stderr, "png_check: %s and %s are not two readable PNGs of one size\n", argv[2], argv[3]);
    status = 1;
  }
  for (int r = 4; status == 0 && r + 3 < argc; r += 4) {
    const int x0 = std::max(0, std::atoi(argv[r])), y0 = std::max(0, std::atoi(argv[r + 1]));
    const int x1 = std::min(w[0], x0 + std::atoi(argv[r + 2])), y1 = std::min(h[0], y0 + std::atoi(argv[r + 3]));
    long differ = 0;
    int fx = -1, fy = -1;
    for (int y = y0; y < y1; ++y) {
      for (int x = x0; x < x1; ++x) {
        const long i = (static_cast<long>(y) * w[0] + x) * 3;
        if (std::memcmp(px[0] + i, px[1] + i, 3) != 0) {
          if (differ++ == 0) fx = x, fy = y;
        }
      }
    }
    std::printf("png_check: region %d,%d %dx%d: %ld of %ld pixels differ%s", x0, y0, x1 - x0, y1 - y0, differ,
                static_cast<long>(x1 - x0) * (y1 - y0), differ ? "" : "\n");
    if (differ) {
      std::printf(" (first at %d,%d)\n", fx, fy);
      status = 1;
    }
  }
  for (unsigned char* p : px) {
    if (p) stbi_image_free(p);
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--same") == 0) return same_regions(argc, argv);
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
