// The browser build's entry point: the GUI alone (no CLI, serve or load), on
// the scenario the page names (?scenario=<id>, passed as argv[1] by
// app/web/shell.html), in a window the size of the page.
#include <emscripten.h>

#include <string>

#include "gui/gui.h"

int main(int argc, char** argv) {
  poolviz::gui::GuiOptions options;
  if (argc > 1) options.scenario = argv[1];
  options.width = EM_ASM_INT({ return Math.max(960, window.innerWidth); });
  options.height = EM_ASM_INT({ return Math.max(600, window.innerHeight); });
  // Returns once the first frame is set up; the browser then calls the frame loop.
  return poolviz::gui::run(options);
}
