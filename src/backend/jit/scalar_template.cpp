#include "backend/jit/scalar_template.hpp"

#include <cctype>
#include <set>

#include "hypatia/error.hpp"

namespace hypatia::jit {
namespace {

class Parser {
 public:
  explicit Parser(const std::string& text) : text_(text) {}

  TemplateTree parse() {
    TemplateTree tree = binary(0);
    skip_space();
    if (at_ < text_.size()) fail("unexpected '" + text_.substr(at_, 1) + "'");
    return tree;
  }

 private:
  // Binary operators by precedence level, loosest first.
  static const std::vector<std::vector<std::string>>& levels() {
    static const std::vector<std::vector<std::string>> table = {
        {"|"}, {"&"}, {"==", "!="}, {"<=", ">=", "<", ">"}, {"+", "-"}, {"*", "/"}};
    return table;
  }

  TemplateTree binary(std::size_t level) {
    if (level == levels().size()) return unary();
    TemplateTree left = binary(level + 1);
    for (;;) {
      const std::string op = match_operator(levels()[level]);
      if (op.empty()) return left;
      TemplateTree right = binary(level + 1);
      auto node = std::make_shared<TemplateExpr>();
      node->kind = TemplateExpr::Kind::binary;
      node->text = op;
      node->args = {left, right};
      left = node;
    }
  }

  TemplateTree unary() {
    skip_space();
    if (at_ < text_.size() && (text_[at_] == '-' || text_[at_] == '!')) {
      auto node = std::make_shared<TemplateExpr>();
      node->kind = TemplateExpr::Kind::unary;
      node->text = std::string(1, text_[at_++]);
      node->args = {unary()};
      return node;
    }
    return primary();
  }

  TemplateTree primary() {
    skip_space();
    if (at_ >= text_.size()) fail("unexpected end");
    const char c = text_[at_];
    auto node = std::make_shared<TemplateExpr>();
    if (c == '(') {
      ++at_;
      TemplateTree inner = binary(0);
      expect(')');
      return inner;
    }
    if (c == '{') {
      if (at_ + 2 >= text_.size() || !std::isdigit(static_cast<unsigned char>(text_[at_ + 1])) ||
          text_[at_ + 2] != '}') {
        fail("an operand is written {k}");
      }
      node->kind = TemplateExpr::Kind::operand;
      node->operand = text_[at_ + 1] - '0';
      at_ += 3;
      return node;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      node->kind = TemplateExpr::Kind::number;
      const std::size_t start = at_;
      while (at_ < text_.size() &&
             (std::isalnum(static_cast<unsigned char>(text_[at_])) || text_[at_] == '.' ||
              ((text_[at_] == '-' || text_[at_] == '+') &&
               (text_[at_ - 1] == 'e' || text_[at_ - 1] == 'E')))) {
        ++at_;
      }
      node->text = text_.substr(start, at_ - start);
      node->integer_literal = node->text.find_first_of(".eE") == std::string::npos;
      // An integer suffix (LL) changes nothing here: every integer computes in int64.
      while (!node->text.empty() && (node->text.back() == 'L' || node->text.back() == 'l')) {
        node->text.pop_back();
      }
      return node;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      const std::size_t start = at_;
      while (at_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[at_])) ||
                                    text_[at_] == '_' || text_[at_] == ':')) {
        ++at_;
      }
      node->kind = TemplateExpr::Kind::call;
      node->text = text_.substr(start, at_ - start);
      expect('(');
      skip_space();
      if (at_ < text_.size() && text_[at_] == ')') {
        ++at_;
        return node;
      }
      for (;;) {
        node->args.push_back(binary(0));
        skip_space();
        if (at_ < text_.size() && text_[at_] == ',') {
          ++at_;
          continue;
        }
        expect(')');
        return node;
      }
    }
    fail(std::string("unexpected '") + c + "'");
    return nullptr;
  }

  std::string match_operator(const std::vector<std::string>& candidates) {
    skip_space();
    for (const std::string& op : candidates) {
      if (text_.compare(at_, op.size(), op) != 0) continue;
      // `&` and `|` are not the start of `&&` / `||`, which templates do not use (both operands
      // are always evaluated).
      if ((op == "&" || op == "|") && at_ + 1 < text_.size() && text_[at_ + 1] == op[0]) {
        fail("'" + op + op + "' is not allowed in a scalar template");
      }
      at_ += op.size();
      return op;
    }
    return "";
  }

  void expect(char c) {
    skip_space();
    if (at_ >= text_.size() || text_[at_] != c) fail(std::string("expected '") + c + "'");
    ++at_;
  }

  void skip_space() {
    while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_]))) ++at_;
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw Error("jit backend: cannot read the scalar template '" + text_ + "' at position " +
                std::to_string(at_) + ": " + what);
  }

  const std::string& text_;
  std::size_t at_ = 0;
};

}  // namespace

TemplateTree parse_template(const std::string& text) {
  return Parser(text).parse();
}

void collect_calls(const TemplateTree& tree, std::vector<std::pair<std::string, int>>& calls) {
  if (tree->kind == TemplateExpr::Kind::call) {
    calls.emplace_back(tree->text, static_cast<int>(tree->args.size()));
  }
  for (const TemplateTree& arg : tree->args) collect_calls(arg, calls);
}

std::string wrapper_name(const std::string& function, char kind) {
  std::string name = std::string("hr_jit_") + kind + "_";
  for (std::size_t i = 0; i < function.size(); ++i) {
    if (function[i] == ':') {
      if (i + 1 < function.size() && function[i + 1] == ':') ++i;
      name += '_';
    } else {
      name += function[i];
    }
  }
  return name;
}

std::string lanes_wrapper_name(const std::string& wrapper) {
  return wrapper + "_lanes";
}

bool has_lanes_form(const std::string& function) {
  static const std::set<std::string> functions = {"hr_simd_exp", "hr_simd_log", "hr_simd_log1p",
                                                  "hr_simd_sigmoid", "hr_simd_softplus"};
  return functions.contains(function);
}

}  // namespace hypatia::jit
