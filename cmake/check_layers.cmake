# The include rules of poolviz, checked on the sources (a CTest test, also run
# by scripts/test through the suite):
#   1. core/ is built in layers, engine <- analysis <- model <- run: a file may
#      include poolviz/ headers of its own layer or of an earlier one, never a
#      later one (the engine knows nothing of scenarios or timelines).
#   2. nothing in core/ includes a GUI header (Dear ImGui, GLFW, glad, OpenGL).
#   3. the front ends call down, never across: app/serve includes nothing from
#      app/cli (what both need is in core/ or app/common).
# Usage: cmake -DSOURCE_DIR=<repo> -P cmake/check_layers.cmake
# Prints every broken rule as file:line and fails when there is one.
cmake_minimum_required(VERSION 3.25)
if(NOT SOURCE_DIR)
  message(FATAL_ERROR "check_layers: pass -DSOURCE_DIR=<repository root>")
endif()

set(layers engine analysis model run)
set(problems "")

# Which layer holds each public header.
foreach(layer IN LISTS layers)
  file(GLOB headers ${SOURCE_DIR}/core/${layer}/include/poolviz/*.h)
  foreach(h IN LISTS headers)
    get_filename_component(name ${h} NAME)
    set(layer_of_${name} ${layer})
  endforeach()
endforeach()

function(check_file file own_rank forbidden_regex why)
  file(STRINGS ${file} lines)
  set(n 0)
  foreach(line IN LISTS lines)
    math(EXPR n "${n} + 1")
    if(NOT line MATCHES "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]+)[>\"]")
      continue()
    endif()
    set(target ${CMAKE_MATCH_1})
    file(RELATIVE_PATH rel ${SOURCE_DIR} ${file})
    if(forbidden_regex AND target MATCHES "${forbidden_regex}")
      set(problems "${problems}${rel}:${n}: includes <${target}>: ${why}\n" PARENT_SCOPE)
      set(problems "${problems}${rel}:${n}: includes <${target}>: ${why}\n")
    endif()
    if(own_rank GREATER_EQUAL 0 AND target MATCHES "^poolviz/(.+)$")
      set(name ${CMAKE_MATCH_1})
      if(NOT DEFINED layer_of_${name})
        set(problems "${problems}${rel}:${n}: includes ${target}, which no core library holds\n" PARENT_SCOPE)
        set(problems "${problems}${rel}:${n}: includes ${target}, which no core library holds\n")
        continue()
      endif()
      set(their ${layer_of_${name}})
      list(FIND layers ${their} their_rank)
      if(their_rank GREATER own_rank)
        list(GET layers ${own_rank} own)
        set(problems "${problems}${rel}:${n}: includes ${target} from core/${their}, a later layer than core/${own} (engine <- analysis <- model <- run)\n" PARENT_SCOPE)
        set(problems "${problems}${rel}:${n}: includes ${target} from core/${their}, a later layer than core/${own} (engine <- analysis <- model <- run)\n")
      endif()
    endif()
  endforeach()
endfunction()

set(gui_headers "^(imgui|imgui_|GLFW/|glad/|GL/|backends/imgui)")
set(rank 0)
foreach(layer IN LISTS layers)
  file(GLOB_RECURSE files ${SOURCE_DIR}/core/${layer}/*.h ${SOURCE_DIR}/core/${layer}/*.cpp)
  foreach(f IN LISTS files)
    check_file(${f} ${rank} "${gui_headers}" "core/ is testable without a window: no GUI header")
  endforeach()
  math(EXPR rank "${rank} + 1")
endforeach()
# Anything in core/ outside the four layers is a mistake too.
file(GLOB stray LIST_DIRECTORIES true ${SOURCE_DIR}/core/*)
foreach(entry IN LISTS stray)
  get_filename_component(name ${entry} NAME)
  if(IS_DIRECTORY ${entry} AND NOT name IN_LIST layers)
    set(problems "${problems}core/${name}/: not one of the core layers (${layers})\n")
  endif()
endforeach()

file(GLOB_RECURSE serve_files ${SOURCE_DIR}/app/serve/*.h ${SOURCE_DIR}/app/serve/*.cpp)
foreach(f IN LISTS serve_files)
  check_file(${f} -1 "^cli/" "app/serve calls down (core, app/common), never across into app/cli")
endforeach()

if(problems)
  message(FATAL_ERROR "Include rules broken:\n${problems}")
endif()
message(STATUS "Include rules hold: core layers engine <- analysis <- model <- run, no GUI header in core/, serve independent of cli")
