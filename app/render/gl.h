// app/render/gl.h — the one place that picks the GL API: OpenGL 3.3 core
// through glad on the desktop, OpenGL ES 3.0 (WebGL 2) headers in the browser,
// where emscripten provides the functions and no loader is needed.
#pragma once

#if defined(__EMSCRIPTEN__)
#define POOLVIZ_GLES3 1
#include <GLES3/gl3.h>
#else
#define POOLVIZ_GLES3 0
#include <glad/gl.h>
#endif

namespace poolviz::render {

/// GLSL version line for Dear ImGui's OpenGL3 backend.
inline constexpr const char* kGlslVersion = POOLVIZ_GLES3 ? "#version 300 es" : "#version 330 core";

}  // namespace poolviz::render
