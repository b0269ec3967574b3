#include "gui/canvas_draw.h"

#include <cfloat>
#include <cmath>
#include <cstdio>

namespace poolviz::gui {

std::string count_text(std::int64_t n) {
  char buf[32];
  if (n >= 10000) {
    std::snprintf(buf, sizeof buf, "%lld,%03lld", static_cast<long long>(n / 1000),
                  static_cast<long long>(n % 1000));
  } else {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(n));
  }
  return buf;
}

void arrow(const Canvas& c, ImVec2 from, ImVec2 to, ImU32 colour, float thickness) {
  c.dl->AddLine(from, to, colour, thickness);
  const float dx = to.x - from.x, dy = to.y - from.y;
  const float len = std::sqrt(dx * dx + dy * dy);
  if (len < 1) return;
  const float ux = dx / len, uy = dy / len, s = 4 * thickness + 3;
  c.dl->AddTriangleFilled(to, ImVec2(to.x - ux * s - uy * s * 0.6F, to.y - uy * s + ux * s * 0.6F),
                          ImVec2(to.x - ux * s + uy * s * 0.6F, to.y - uy * s - ux * s * 0.6F), colour);
}

void text_centred(const Canvas& c, ImFont* font, ImVec2 centre, ImU32 colour, const std::string& s) {
  const ImVec2 ts = font->CalcTextSizeA(font->FontSize, FLT_MAX, 0, s.c_str());
  c.dl->AddText(font, font->FontSize, ImVec2(centre.x - ts.x / 2, centre.y - ts.y / 2), colour, s.c_str());
}

void text_fit(const Canvas& c, ImFont* font, ImVec2 pos, ImU32 colour, std::string s, float max_w) {
  if (max_w <= 4) return;
  auto width = [&](const std::string& t, float size) { return font->CalcTextSizeA(size, FLT_MAX, 0, t.c_str()).x; };
  const float full = font->FontSize;
  for (const float size : {full, full * 0.85F}) {
    if (width(s, size) <= max_w) {
      c.dl->AddText(font, size, pos, colour, s.c_str());
      return;
    }
  }
  std::string words = s;
  while (true) {
    const std::size_t space = words.find_last_of(' ');
    if (space == std::string::npos || space == 0) break;
    words.resize(space);
    while (!words.empty() && (words.back() == ' ' || words.back() == ':' || words.back() == ',')) words.pop_back();
    if (!words.empty() && width(words + "...", full) <= max_w) {
      c.dl->AddText(font, full, pos, colour, (words + "...").c_str());
      return;
    }
  }
  const std::string first = s.substr(0, s.find(' '));
  for (float size = full * 0.85F; size >= full * 0.7F; size -= full * 0.05F) {
    if (width(first, size) <= max_w) {
      c.dl->AddText(font, size, pos, colour, first.c_str());
      return;
    }
  }
}

}  // namespace poolviz::gui
