# Writes poolviz.1 from the CLI's own --help texts, so the man page cannot
# drift from the binary. Run at build time:
#   cmake -DPOOLVIZ=<binary> -DOUT=<poolviz.1> -DVERSION=<x.y.z> -P make_manpage.cmake
cmake_minimum_required(VERSION 3.25)

set(commands gui list validate run screenshot compare sweep serve load)

# roff: a backslash prints as \e; a line starting with . or ' needs \& first.
function(roff_escape text out)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

function(help_of out)
  execute_process(COMMAND ${POOLVIZ} ${ARGN} --help
                  OUTPUT_VARIABLE text ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "poolviz ${ARGN} --help failed (${rc}): ${err}")
  endif()
  roff_escape("${text}" text)
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

help_of(top)
set(page ".TH POOLVIZ 1 \"\" \"poolviz ${VERSION}\" \"User Commands\"
.SH NAME
poolviz \\- watch a real thread pool work, one pattern at a time
.SH SYNOPSIS
.B poolviz
[\\fICOMMAND\\fR] [\\fIOPTIONS\\fR]
.SH DESCRIPTION
poolviz teaches thread-pool patterns (a fixed pool, timeouts and retries, rate
limiting, priority queues, dynamic scaling, work stealing, backpressure,
pipelines, a thread per task) by running a real pool on real threads and
drawing it live. With no command it opens the window on the basic-pool
scenario; without a display it runs that scenario headless and prints a summary.
The same binary runs headless for scripts and exports.
.PP
Exit status: 0 ok, 1 the scenario failed to load or run, 2 bad usage (the
message says what is allowed), 130 a headless run stopped by Ctrl-C (after
printing the partial summary).
.SH OPTIONS
.nf
${top}
.fi
.SH COMMANDS
")
foreach(command IN LISTS commands)
  help_of(text ${command})
  string(APPEND page ".SS ${command}\n.nf\n${text}\n.fi\n")
endforeach()
string(APPEND page ".SH FILES
.TP
.I /usr/share/poolviz/scenarios/*.toml
The built-in scenarios (also embedded in the binary): copy one, edit it and
open it with \\fBpoolviz gui my.toml\\fR.
.SH EXAMPLES
.nf
poolviz list
poolviz gui work-stealing
poolviz run basic-pool --speed 4 --json
poolviz compare load-balancing
.fi
")
file(WRITE ${OUT} "${page}")
