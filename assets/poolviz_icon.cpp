// poolviz_icon: draws the poolviz icon, a queue of chips feeding three worker
// lanes, as an SVG and as PNGs of the sizes a desktop wants, from one list of
// shapes, so the vector and the bitmaps never disagree. Run at build time:
//   poolviz_icon OUT_DIR   → OUT_DIR/poolviz.svg, OUT_DIR/poolviz-<N>.png
#include <stb_image_write.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace {

struct Colour {
  std::uint8_t r, g, b;
};

/// A rounded rectangle (radius > 0) or a circle (w = h = 2 × radius) in a 256-unit square.
struct Shape {
  float x, y, w, h, radius;
  Colour fill;
};

constexpr Colour kBackground{0x1d, 0x26, 0x35};
constexpr Colour kLane{0x33, 0x45, 0x5e};
constexpr Colour kQueued{0xf2, 0xb1, 0x34};   // amber: waiting in the queue
constexpr Colour kRunning{0x3d, 0xa5, 0xf4};  // blue: in service
constexpr Colour kDone{0x5c, 0xc7, 0x6a};     // green: finished

std::vector<Shape> icon_shapes() {
  std::vector<Shape> shapes = {{8, 8, 240, 240, 48, kBackground}};
  const std::array<float, 3> lane_y = {58, 110, 162};
  for (float y : lane_y) shapes.push_back({96, y, 132, 36, 18, kLane});
  // The queue: three chips waiting at the left, one per lane row.
  for (float y : lane_y) shapes.push_back({36, y + 2, 32, 32, 16, kQueued});
  // Chips in service on the lanes, at different progress, and one done.
  shapes.push_back({150, 60, 32, 32, 16, kRunning});
  shapes.push_back({118, 112, 32, 32, 16, kRunning});
  shapes.push_back({186, 164, 32, 32, 16, kDone});
  return shapes;
}

/// Coverage test of a point against a rounded rectangle.
bool inside(const Shape& s, float px, float py) {
  const float cx = s.x + s.w / 2, cy = s.y + s.h / 2;
  const float qx = std::fabs(px - cx) - (s.w / 2 - s.radius);
  const float qy = std::fabs(py - cy) - (s.h / 2 - s.radius);
  const float ox = std::max(qx, 0.0F), oy = std::max(qy, 0.0F);
  return std::sqrt(ox * ox + oy * oy) + std::min(std::max(qx, qy), 0.0F) <= s.radius;
}

/// RGBA pixels of the icon at `size` × `size`, 8×8 samples per pixel.
std::vector<std::uint8_t> rasterise(const std::vector<Shape>& shapes, int size) {
  constexpr int kSamples = 8;
  std::vector<std::uint8_t> rgba(static_cast<std::size_t>(size) * static_cast<std::size_t>(size) * 4);
  const float unit = 256.0F / static_cast<float>(size);
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      float r = 0, g = 0, b = 0, a = 0;
      for (int sy = 0; sy < kSamples; ++sy) {
        for (int sx = 0; sx < kSamples; ++sx) {
          const float px = (static_cast<float>(x) + (static_cast<float>(sx) + 0.5F) / kSamples) * unit;
          const float py = (static_cast<float>(y) + (static_cast<float>(sy) + 0.5F) / kSamples) * unit;
          for (auto it = shapes.rbegin(); it != shapes.rend(); ++it) {  // topmost shape wins
            if (inside(*it, px, py)) {
              r += it->fill.r;
              g += it->fill.g;
              b += it->fill.b;
              a += 255;
              break;
            }
          }
        }
      }
      constexpr float n = kSamples * kSamples;
      std::uint8_t* p = &rgba[(static_cast<std::size_t>(y) * static_cast<std::size_t>(size) + static_cast<std::size_t>(x)) * 4];
      const float covered = a / 255.0F;  // colours are averaged over covered samples only
      p[0] = static_cast<std::uint8_t>(covered > 0 ? r / covered + 0.5F : 0);
      p[1] = static_cast<std::uint8_t>(covered > 0 ? g / covered + 0.5F : 0);
      p[2] = static_cast<std::uint8_t>(covered > 0 ? b / covered + 0.5F : 0);
      p[3] = static_cast<std::uint8_t>(a / n + 0.5F);
    }
  }
  return rgba;
}

std::string svg(const std::vector<Shape>& shapes) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<!-- poolviz: a queue of chips feeding three worker lanes (drawn by assets/poolviz_icon.cpp) -->\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"256\" height=\"256\" viewBox=\"0 0 256 256\">\n";
  for (const Shape& s : shapes) {
    char line[200];
    std::snprintf(line, sizeof line,
                  "  <rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" rx=\"%g\" fill=\"#%02x%02x%02x\"/>\n", s.x, s.y,
                  s.w, s.h, s.radius, s.fill.r, s.fill.g, s.fill.b);
    out += line;
  }
  return out + "</svg>\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: poolviz_icon OUT_DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  const std::vector<Shape> shapes = icon_shapes();
  std::ofstream(dir + "/poolviz.svg") << svg(shapes);
  for (int size : {16, 32, 48, 64, 128, 256}) {
    const std::vector<std::uint8_t> rgba = rasterise(shapes, size);
    const std::string path = dir + "/poolviz-" + std::to_string(size) + ".png";
    if (stbi_write_png(path.c_str(), size, size, 4, rgba.data(), size * 4) == 0) {
      std::fprintf(stderr, "poolviz_icon: cannot write %s\n", path.c_str());
      return 1;
    }
  }
  return 0;
}
