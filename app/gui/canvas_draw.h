// app/gui/canvas_draw.h — the flow canvas's drawing primitives: a draw list
// with the geometry's origin, arrows, centred text, and text fitted to a width
// by whole words.
#pragma once

#include <cstdint>
#include <string>

#include "gui/flow_model.h"
#include "gui/theme.h"

namespace poolviz::gui {

struct Canvas {
  ImDrawList* dl;
  ImVec2 o;  // top-left of the geometry's coordinate system
  const Palette& pal;
  const Theme& theme;
  ImVec2 at(float x, float y) const { return ImVec2(o.x + x, o.y + y); }
  ImVec2 at(Point p) const { return at(p.x, p.y); }
};

/// 1234, or 12,345 from ten thousand on.
std::string count_text(std::int64_t n);
void arrow(const Canvas& c, ImVec2 from, ImVec2 to, ImU32 colour, float thickness);
void text_centred(const Canvas& c, ImFont* font, ImVec2 centre, ImU32 colour, const std::string& s);
/// Text fitted into `max_w` pixels without cutting a word: the whole text, else
/// the same a little smaller, else whole words from the front and "...", else
/// the first word alone as small as needed (down to 70 %), else nothing.
void text_fit(const Canvas& c, ImFont* font, ImVec2 pos, ImU32 colour, std::string s, float max_w);

}  // namespace poolviz::gui
