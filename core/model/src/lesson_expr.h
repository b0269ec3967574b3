// lesson_expr.h — inside the lesson claims (not installed): the parsed check's
// tree, shared by the parser (lesson_parser.cpp) and the evaluator (lesson.cpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "poolviz/lesson.h"

namespace poolviz {

// [SECTION] Expression tree -----------------------------------------------------

struct ClaimExpr {
  enum class Kind { number, cores, field, neg, add, sub, mul, div, min, max, abs, compare, and_, or_ };
  enum class Op { lt, le, gt, ge, eq, ne };
  Kind kind = Kind::number;
  double number = 0;
  const ClaimField* field = nullptr;
  std::size_t variant = 0;          // index into LessonClaim::variants
  std::vector<ClaimExpr> children;  // operands; for compare: n + 1 operands
  std::vector<Op> ops;              // compare: the n operators of a chain
  bool is_bool() const { return kind == Kind::compare || kind == Kind::and_ || kind == Kind::or_; }
  static ClaimExpr of(Kind k, double n = 0, const ClaimField* f = nullptr) {
    ClaimExpr e;
    e.kind = k;
    e.number = n;
    e.field = f;
    return e;
  }
};

namespace lesson_detail {

/// The figure a check names, or nullptr.
const ClaimField* find_claim_field(std::string_view name);
std::string trim(std::string_view text);
/// Lower case, runs of spaces folded to one, spaces around '=' and ',' dropped:
/// how labels are compared.
std::string fold(std::string_view text);

}  // namespace lesson_detail

}  // namespace poolviz
