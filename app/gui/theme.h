// app/gui/theme.h — how the GUI looks: fonts, UI scale, light and dark
// themes, and the colour-blind-safe palette for job states.
//
// The palette is Okabe & Ito's eight colours (distinguishable with every
// common colour-vision deficiency); each job state keeps its colour in both
// themes, only the neutrals change. Fonts are DejaVu Sans (fonts-dejavu-core),
// rebuilt when the scale changes so text stays sharp on a projector.
#pragma once

#include <imgui.h>

#include "gui/flow_model.h"

namespace poolviz::gui {

/// Okabe–Ito, as RGB.
namespace okabe_ito {
inline constexpr unsigned kBlack = 0x000000, kOrange = 0xE69F00, kSkyBlue = 0x56B4E9,
                          kBluishGreen = 0x009E73, kYellow = 0xF0E442, kBlue = 0x0072B2,
                          kVermillion = 0xD55E00, kReddishPurple = 0xCC79A7;
}

struct Palette {
  ImU32 place[static_cast<int>(JobPlace::rejected) + 1];  // chip fill by JobPlace
  ImU32 text, text_dim, canvas_bg, panel_bg, lane_bg, lane_busy_bg, lane_border, grid, accent;
  ImU32 chip_border;
  ImU32 series[6];  // plot lines: distinct Okabe–Ito hues
  ImU32 of(JobPlace p) const { return place[static_cast<int>(p)]; }
};

class Theme {
 public:
  /// Applies style and fonts; call before the first frame and after changes.
  void apply(bool dark, float scale);
  /// Rebuilds fonts when apply() changed the scale (between frames only).
  bool fonts_dirty() const { return fonts_dirty_; }
  void rebuild_fonts();

  bool dark() const { return dark_; }
  float scale() const { return scale_; }
  /// A palette hue as text colour: as is on the dark theme, darkened on the
  /// light one, where Okabe–Ito orange or green on white reads at about 2:1.
  ImU32 text_tone(ImU32 hue) const;
  const Palette& colours() const { return palette_; }

  ImFont* regular = nullptr;
  ImFont* large = nullptr;  // titles, big counts
  ImFont* small = nullptr;  // chip labels, axis ticks

 private:
  bool dark_ = true;
  float scale_ = 1;
  float font_scale_ = 0;  // scale the fonts were built for
  bool fonts_dirty_ = true;
  Palette palette_{};
};

/// RGB (0xRRGGBB) with alpha 0..255 as an ImU32.
ImU32 rgb(unsigned rgb, int alpha = 255);
/// `colour` with its alpha multiplied by `factor` (0..1).
ImU32 fade(ImU32 colour, float factor);

}  // namespace poolviz::gui
