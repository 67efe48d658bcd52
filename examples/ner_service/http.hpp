// ner_service: cpp-httplib, included as a system header so that its own warnings do not fail the
// build of lexzone's warning-free code (-Wall -Wextra -Wpedantic -Werror).
#pragma once
#pragma GCC system_header

#include <httplib.h>
