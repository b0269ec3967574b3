// The browser build's entry point: the GUI alone (no CLI, serve or load), on
// the scenario the page names (?scenario=<id>, passed as argv[1] by
// app/web/shell.html), in a window the size of the page (in device pixels:
// gui/web_page.h keeps it so as the page resizes or zooms).
#include <emscripten.h>

#include <string>

#include "gui/gui.h"

int main(int argc, char** argv) {
  poolviz::gui::GuiOptions options;
  if (argc > 1) options.scenario = argv[1];
  options.width = EM_ASM_INT({ return Math.max(1, Math.round(window.innerWidth * (window.devicePixelRatio || 1))); });
  options.height = EM_ASM_INT({ return Math.max(1, Math.round(window.innerHeight * (window.devicePixelRatio || 1))); });
  // Returns once the first frame is set up; the browser then calls the frame loop.
  return poolviz::gui::run(options);
}
