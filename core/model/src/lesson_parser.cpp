// The claim language's parser: check text -> ClaimExpr, with the column of
// every mistake (docs/lessons.md is the grammar).
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "lesson_expr.h"
#include "poolviz/compat_thread.h"
#include "poolviz/scenario.h"

namespace poolviz {

using lesson_detail::find_claim_field;
using lesson_detail::fold;
using lesson_detail::trim;

// [SECTION] Parser --------------------------------------------------------------

namespace {

class Parser {
 public:
  Parser(std::string_view text, const Scenario& scenario, LessonClaim& out)
      : text_(text), scenario_(scenario), out_(out) {}

  ClaimExpr parse() {
    skip_space();
    if (pos_ >= text_.size()) fail(0, "the check is empty; write a comparison, e.g. makespan <= 1.2");
    const std::size_t start = pos_;
    ClaimExpr e = parse_or();
    skip_space();
    if (pos_ < text_.size()) fail(pos_, "unexpected \"" + std::string(text_.substr(pos_, 12)) + "\"");
    if (!e.is_bool()) {
      fail(start, "the check must compare, e.g. \"" + std::string(text_) + " <= 1.2\"");
    }
    return e;
  }

 private:
  [[noreturn]] void fail(std::size_t at, std::string message) const {
    throw ClaimSyntaxError(std::min(at, text_.size()), std::move(message));
  }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n')) ++pos_;
  }

  bool word_at(std::string_view word) const {
    if (text_.substr(pos_, word.size()) != word) return false;
    const std::size_t end = pos_ + word.size();
    return end >= text_.size() || !(std::isalnum(static_cast<unsigned char>(text_[end])) || text_[end] == '_');
  }

  bool eat(std::string_view token) {
    skip_space();
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }

  void expect_bool(const ClaimExpr& e, std::size_t at, std::string_view op) const {
    if (!e.is_bool()) fail(at, "\"" + std::string(op) + "\" joins comparisons, e.g. a <= 1 " + std::string(op) + " b > 2");
  }
  void expect_number(const ClaimExpr& e, std::size_t at) const {
    if (e.is_bool()) fail(at, "a comparison cannot be used as a number here; add parentheses or \"and\"");
  }

  ClaimExpr parse_or() {
    const std::size_t start = (skip_space(), pos_);
    ClaimExpr left = parse_and();
    while (true) {
      skip_space();
      if (!word_at("or")) return left;
      expect_bool(left, start, "or");
      pos_ += 2;
      const std::size_t at = (skip_space(), pos_);
      ClaimExpr right = parse_and();
      expect_bool(right, at, "or");
      ClaimExpr e = ClaimExpr::of(ClaimExpr::Kind::or_);
      e.children = {std::move(left), std::move(right)};
      left = std::move(e);
    }
  }

  ClaimExpr parse_and() {
    const std::size_t start = (skip_space(), pos_);
    ClaimExpr left = parse_comparison();
    while (true) {
      skip_space();
      if (!word_at("and")) return left;
      expect_bool(left, start, "and");
      pos_ += 3;
      const std::size_t at = (skip_space(), pos_);
      ClaimExpr right = parse_comparison();
      expect_bool(right, at, "and");
      ClaimExpr e = ClaimExpr::of(ClaimExpr::Kind::and_);
      e.children = {std::move(left), std::move(right)};
      left = std::move(e);
    }
  }

  bool comparison_op(ClaimExpr::Op& op) {
    skip_space();
    static constexpr std::array<std::pair<std::string_view, ClaimExpr::Op>, 6> kOps = {{
        {"<=", ClaimExpr::Op::le}, {">=", ClaimExpr::Op::ge}, {"==", ClaimExpr::Op::eq},
        {"!=", ClaimExpr::Op::ne}, {"<", ClaimExpr::Op::lt},  {">", ClaimExpr::Op::gt},
    }};
    for (const auto& [text, o] : kOps) {
      if (text_.substr(pos_, text.size()) == text) {
        pos_ += text.size();
        op = o;
        return true;
      }
    }
    if (pos_ < text_.size() && text_[pos_] == '=') fail(pos_, "\"=\" assigns; compare with \"==\"");
    return false;
  }

  ClaimExpr parse_comparison() {
    const std::size_t start = (skip_space(), pos_);
    if (text_.substr(pos_, 1) == "(") {
      // "(a <= b)" groups a comparison; "(a + b) * 2" groups a sum: try both.
      const std::size_t save = pos_;
      ++pos_;
      ClaimExpr inner = parse_or();
      if (inner.is_bool() && eat(")")) return inner;
      pos_ = save;
    }
    ClaimExpr first = parse_sum();
    ClaimExpr::Op op;
    if (!comparison_op(op)) return first;
    expect_number(first, start);
    ClaimExpr e = ClaimExpr::of(ClaimExpr::Kind::compare);
    e.children.push_back(std::move(first));
    do {
      e.ops.push_back(op);
      const std::size_t at = (skip_space(), pos_);
      if (at >= text_.size()) fail(at, "a comparison needs a right-hand side");
      ClaimExpr next = parse_sum();
      expect_number(next, at);
      e.children.push_back(std::move(next));
    } while (comparison_op(op));
    return e;
  }

  ClaimExpr parse_sum() {
    ClaimExpr left = parse_product();
    while (true) {
      skip_space();
      ClaimExpr::Kind kind;
      if (eat("+")) kind = ClaimExpr::Kind::add;
      else if (eat("-")) kind = ClaimExpr::Kind::sub;
      else return left;
      ClaimExpr e = ClaimExpr::of(kind);
      e.children = {std::move(left), parse_product()};
      left = std::move(e);
    }
  }

  ClaimExpr parse_product() {
    ClaimExpr left = parse_unary();
    while (true) {
      skip_space();
      ClaimExpr::Kind kind;
      if (eat("*")) kind = ClaimExpr::Kind::mul;
      else if (eat("/")) kind = ClaimExpr::Kind::div;
      else return left;
      ClaimExpr e = ClaimExpr::of(kind);
      e.children = {std::move(left), parse_unary()};
      left = std::move(e);
    }
  }

  ClaimExpr parse_unary() {
    skip_space();
    if (pos_ >= text_.size()) fail(pos_, "expected a number or a field, got the end of the check");
    const char c = text_[pos_];
    if (c == '-') {
      ++pos_;
      ClaimExpr e = ClaimExpr::of(ClaimExpr::Kind::neg);
      e.children.push_back(parse_unary());
      return e;
    }
    if (c == '(') {
      ++pos_;
      ClaimExpr e = parse_sum();
      if (!eat(")")) fail(pos_, "expected \")\"");
      return e;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') return parse_number();
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') return parse_name();
    fail(pos_, std::string("unexpected \"") + c + "\"; expected a number, a field or \"(\"");
  }

  ClaimExpr parse_number() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.' || text_[pos_] == '_')) {
      ++pos_;
    }
    std::string digits;
    for (char c : text_.substr(start, pos_ - start)) {
      if (c != '_') digits += c;
    }
    double value = 0;
    const auto [end, ec] = poolviz::from_chars_double(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size()) {
      fail(start, "\"" + std::string(text_.substr(start, pos_ - start)) + "\" is not a number");
    }
    return ClaimExpr::of(ClaimExpr::Kind::number, value);
  }

  ClaimExpr parse_name() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_' ||
                                   text_[pos_] == '.')) {
      ++pos_;
    }
    const std::string name(text_.substr(start, pos_ - start));
    if (name == "cores") return ClaimExpr::of(ClaimExpr::Kind::cores);
    if (name == "min" || name == "max" || name == "abs") {
      skip_space();
      if (eat("(")) return parse_call(name, start);
    }
    const ClaimField* field = find_claim_field(name);
    if (field == nullptr) {
      std::vector<std::string_view> names;
      for (const ClaimField& f : claim_fields()) names.push_back(f.name);
      names.push_back("cores");
      std::string message = "unknown field \"" + name + "\"";
      if (std::string close = did_you_mean(name, names); !close.empty()) {
        message += "; did you mean \"" + close + "\"?";
      } else {
        std::string list;
        for (std::string_view n : names) list += (list.empty() ? "" : ", ") + std::string(n);
        message += "; fields: " + list;
      }
      fail(start, message);
    }
    ClaimExpr e = ClaimExpr::of(ClaimExpr::Kind::field, 0, field);
    const std::size_t after_name = pos_;
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '[') {
      const std::size_t open = pos_;
      const std::size_t close = text_.find(']', open);
      if (close == std::string_view::npos) fail(open, "\"[\" without a closing \"]\"");
      e.variant = resolve_variant(text_.substr(open + 1, close - open - 1), open + 1);
      pos_ = close + 1;
    } else {
      pos_ = after_name;
      e.variant = add_variant({"as written", {}});
    }
    return e;
  }

  ClaimExpr parse_call(const std::string& name, std::size_t start) {
    ClaimExpr e = ClaimExpr::of(name == "min"   ? ClaimExpr::Kind::min
                        : name == "max" ? ClaimExpr::Kind::max
                                        : ClaimExpr::Kind::abs);
    do {
      const std::size_t at = (skip_space(), pos_);
      ClaimExpr arg = parse_sum();
      expect_number(arg, at);
      e.children.push_back(std::move(arg));
    } while (eat(","));
    if (!eat(")")) fail(pos_, "expected \")\" after the arguments of " + name + "()");
    if (e.kind == ClaimExpr::Kind::abs && e.children.size() != 1) fail(start, "abs() takes one argument");
    if (e.kind != ClaimExpr::Kind::abs && e.children.size() < 2) fail(start, name + "() takes two or more arguments");
    return e;
  }

  std::size_t add_variant(ClaimVariant v) {
    for (std::size_t i = 0; i < out_.variants.size(); ++i) {
      if (out_.variants[i].key() == v.key()) return i;
    }
    out_.variants.push_back(std::move(v));
    return out_.variants.size() - 1;
  }

  /// `inside` is the text between the brackets, starting at `offset`.
  std::size_t resolve_variant(std::string_view inside, std::size_t offset) {
    std::string text = trim(inside);
    const std::size_t lead = inside.find_first_not_of(" \t");
    const std::size_t at = offset + (lead == std::string_view::npos ? 0 : lead);
    bool quoted = false;
    if (text.size() >= 2 && (text.front() == '\'' || text.front() == '"') && text.back() == text.front()) {
      text = text.substr(1, text.size() - 2);
      quoted = true;
    }
    if (text.empty() || fold(text) == "as written") return add_variant({"as written", {}});
    std::vector<std::string_view> labels;
    for (const CompareVariant& v : scenario_.compare) {
      labels.push_back(v.label);
      if (fold(v.label) == fold(text)) {
        ClaimVariant cv{v.label, {}};
        for (const Override& o : v.overrides) cv.overrides.push_back(o.key + "=" + o.value);
        return add_variant(std::move(cv));
      }
    }
    if (quoted || text.find('=') == std::string::npos) {
      std::string message = "no [[compare]] variant is labelled \"" + text + "\"";
      std::vector<std::string> folded;
      for (std::string_view l : labels) folded.push_back(fold(l));
      std::vector<std::string_view> folded_views(folded.begin(), folded.end());
      if (std::string close = did_you_mean(fold(text), folded_views); !close.empty()) {
        const auto it = std::find(folded.begin(), folded.end(), close);
        message += "; did you mean \"" + std::string(labels[static_cast<std::size_t>(it - folded.begin())]) + "\"?";
      } else if (!labels.empty()) {
        std::string list;
        for (std::string_view l : labels) list += (list.empty() ? "\"" : ", \"") + std::string(l) + "\"";
        message += "; labels: " + list + ", or write overrides (pool.workers=8)";
      } else {
        message += " (it has no [[compare]]); write overrides instead, e.g. [pool.workers=8]";
      }
      fail(at, message);
    }
    // Overrides: KEY=VALUE, KEY=VALUE; checked against the scenario now.
    ClaimVariant cv;
    cv.label = text;
    Scenario probe = scenario_;
    probe.compare.clear();
    std::size_t start = 0;
    while (start <= inside.size()) {
      const std::size_t comma = std::min(inside.find(',', start), inside.size());
      const std::string item = trim(inside.substr(start, comma - start));
      const std::size_t item_at = offset + start + inside.substr(start).find_first_not_of(" \t");
      if (!item.empty()) {
        const std::size_t eq = item.find('=');
        if (eq == std::string::npos) fail(item_at, "\"" + item + "\" is not KEY=VALUE");
        const std::string key = trim(item.substr(0, eq));
        const std::string value = trim(item.substr(eq + 1));
        try {
          apply_override(probe, key, value == "cores" ? "2" : value);
        } catch (const ScenarioError& e) {
          fail(item_at, e.key() + ": " + e.message());
        }
        cv.overrides.push_back(key + "=" + value);
      }
      start = comma + 1;
    }
    if (cv.overrides.empty()) return add_variant({"as written", {}});
    return add_variant(std::move(cv));
  }

  std::string_view text_;
  const Scenario& scenario_;
  LessonClaim& out_;
  std::size_t pos_ = 0;
};

}  // namespace

void parse_claim_check(std::string_view check, const Scenario& scenario, LessonClaim& out) {
  out.variants.clear();
  Parser parser(check, scenario, out);
  out.expr = std::make_shared<const ClaimExpr>(parser.parse());
  out.check = std::string(check);
}

}  // namespace poolviz
