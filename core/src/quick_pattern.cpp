#include "quick_pattern.h"

#include <stdexcept>

namespace mreg {
namespace {

using Node = QuickPattern::Node;
using Sequence = QuickPattern::Sequence;

std::bitset<256> byte_range(unsigned char from, unsigned char to) {
  std::bitset<256> s;
  for (unsigned c = from; c <= to; ++c) s.set(c);
  return s;
}

// \s as the full validation takes it: POSIX [:space:] in the "C" locale (schema_patterns.cpp),
// which is also std::regex's \s there.
std::bitset<256> space_bytes() { return byte_range('\t', '\r') | byte_range(' ', ' '); }

// ECMAScript's '.': any byte but the line ends (schema_patterns.cpp writes it as [^\n\r]).
std::bitset<256> dot_bytes() { return ~(byte_range('\n', '\n') | byte_range('\r', '\r')); }

std::bitset<256> word_bytes() { return byte_range('0', '9') | byte_range('A', 'Z') | byte_range('a', 'z') | byte_range('_', '_'); }

bool is_punctuation(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

class PatternParser {
 public:
  explicit PatternParser(const std::string& p) : p_(p) {}

  bool parse(Sequence& top) {
    std::vector<Sequence> alternatives;
    if (!parse_alternatives(alternatives) || i_ != p_.size()) return false;
    if (alternatives.size() == 1) {
      top = std::move(alternatives.front());
      return true;
    }
    Node group;
    group.kind = Node::Group;
    group.alternatives = std::move(alternatives);
    top = {std::move(group)};
    return true;
  }

 private:
  bool at_end() const { return i_ >= p_.size(); }

  bool parse_alternatives(std::vector<Sequence>& out) {
    out.emplace_back();
    while (!at_end() && p_[i_] != ')') {
      if (p_[i_] == '|') {
        ++i_;
        out.emplace_back();
        continue;
      }
      Node n;
      if (!parse_atom(n) || !parse_repeat(n)) return false;
      out.back().push_back(std::move(n));
    }
    return true;
  }

  // An escape after the backslash: \d, \w, \s, \D, \W, \S or escaped punctuation.
  bool parse_escape(std::bitset<256>& set) {
    if (at_end()) return false;
    const char c = p_[i_++];
    if (c == 'd') set = byte_range('0', '9');
    else if (c == 'D') set = ~byte_range('0', '9');
    else if (c == 'w') set = word_bytes();
    else if (c == 'W') set = ~word_bytes();
    else if (c == 's') set = space_bytes();
    else if (c == 'S') set = ~space_bytes();
    else if (is_punctuation(c)) set = byte_range(c, c);
    else return false;
    return true;
  }

  bool parse_atom(Node& n) {
    const char c = p_[i_++];
    switch (c) {
      case '^': n.kind = Node::Begin; return true;
      case '$': n.kind = Node::End; return true;
      case '(': {
        if (!at_end() && p_[i_] == '?') return false;
        n.kind = Node::Group;
        if (!parse_alternatives(n.alternatives) || at_end() || p_[i_] != ')') return false;
        ++i_;
        return true;
      }
      case '[': return parse_bracket(n.set);
      case '\\': return parse_escape(n.set);
      case '.': n.set = dot_bytes(); return true;
      case ')': case '*': case '+': case '?': case '{': case '}': case ']': return false;
      default: n.set = byte_range(c, c); return true;
    }
  }

  // One character of a bracket expression (a literal byte); \d and \w give a set instead.
  bool parse_bracket_char(std::bitset<256>& set, int& byte) {
    if (at_end()) return false;
    const char c = p_[i_++];
    byte = -1;
    if (c == '\\') {
      if (at_end()) return false;
      const char e = p_[i_];
      if (is_punctuation(e)) {
        ++i_;
        byte = static_cast<unsigned char>(e);
        return true;
      }
      return parse_escape(set);
    }
    if (c == '[') return false;  // [:class:] and the like
    byte = static_cast<unsigned char>(c);
    return true;
  }

  bool parse_bracket(std::bitset<256>& out) {
    bool negate = false;
    if (!at_end() && p_[i_] == '^') {
      negate = true;
      ++i_;
    }
    if (at_end() || p_[i_] == ']') return false;  // [] and []...] are left out
    std::bitset<256> set;
    while (!at_end() && p_[i_] != ']') {
      std::bitset<256> escaped;
      int from = -1;
      if (!parse_bracket_char(escaped, from)) return false;
      if (from < 0) {
        set |= escaped;
        continue;
      }
      if (i_ + 1 < p_.size() && p_[i_] == '-' && p_[i_ + 1] != ']') {
        ++i_;
        std::bitset<256> bad;
        int to = -1;
        if (!parse_bracket_char(bad, to) || to < 0 || to < from) return false;
        set |= byte_range(static_cast<unsigned char>(from), static_cast<unsigned char>(to));
      } else {
        set.set(static_cast<std::size_t>(from));
      }
    }
    if (at_end()) return false;
    ++i_;  // ']'
    out = negate ? ~set : set;
    return true;
  }

  bool parse_number(int& n) {
    if (at_end() || p_[i_] < '0' || p_[i_] > '9') return false;
    n = 0;
    while (!at_end() && p_[i_] >= '0' && p_[i_] <= '9') {
      n = n * 10 + (p_[i_++] - '0');
      if (n > 1000) return false;
    }
    return true;
  }

  bool parse_repeat(Node& n) {
    if (at_end()) return true;
    const char c = p_[i_];
    if (c != '?' && c != '*' && c != '+' && c != '{') return true;
    if (n.kind == Node::Begin || n.kind == Node::End) return false;
    ++i_;
    if (c == '?') n.min = 0, n.max = 1;
    else if (c == '*') n.min = 0, n.max = -1;
    else if (c == '+') n.min = 1, n.max = -1;
    else {
      if (!parse_number(n.min)) return false;
      n.max = n.min;
      if (!at_end() && p_[i_] == ',') {
        ++i_;
        n.max = -1;
        if (!at_end() && p_[i_] != '}' && (!parse_number(n.max) || n.max < n.min)) return false;
      }
      if (at_end() || p_[i_] != '}') return false;
      ++i_;
    }
    // A lazy or a second repeat is left out (the answer would not change, the subset stays small).
    return at_end() || (p_[i_] != '?' && p_[i_] != '*' && p_[i_] != '+' && p_[i_] != '{');
  }

  const std::string& p_;
  std::size_t i_ = 0;
};

// What is left to match after a node: the rest of a sequence, or the next iteration of a group.
struct Continuation {
  const Sequence* sequence = nullptr;  // continue this sequence at `index`...
  std::size_t index = 0;
  const Node* group = nullptr;  // ...or this group, after `count` iterations, the last begun at `start`
  int count = 0;
  std::size_t start = 0;
  const Continuation* next = nullptr;
};

class Search {
 public:
  explicit Search(const std::string& text) : text_(text) {}

  bool sequence(const Sequence& seq, std::size_t i, std::size_t pos, const Continuation* next) const {
    if (i == seq.size()) return resume(next, pos);
    const Node& n = seq[i];
    switch (n.kind) {
      case Node::Begin: return pos == 0 && sequence(seq, i + 1, pos, next);
      case Node::End: return pos == text_.size() && sequence(seq, i + 1, pos, next);
      case Node::Set: {
        std::size_t run = 0;
        const std::size_t most = n.max < 0 ? text_.size() - pos : static_cast<std::size_t>(n.max);
        while (run < most && pos + run < text_.size() && n.set[static_cast<unsigned char>(text_[pos + run])]) ++run;
        for (std::size_t k = run + 1; k-- > static_cast<std::size_t>(n.min);)
          if (sequence(seq, i + 1, pos + k, next)) return true;
        return false;
      }
      case Node::Group: {
        const Continuation after{&seq, i + 1, nullptr, 0, 0, next};
        return iterate(n, 0, pos, &after);
      }
    }
    return false;
  }

 private:
  bool iterate(const Node& group, int count, std::size_t pos, const Continuation* after) const {
    if (group.max < 0 || count < group.max) {
      const Continuation again{nullptr, 0, &group, count + 1, pos, after};
      for (const auto& alt : group.alternatives)
        if (sequence(alt, 0, pos, &again)) return true;
    }
    return count >= group.min && resume(after, pos);
  }

  bool resume(const Continuation* c, std::size_t pos) const {
    if (!c) return true;
    if (c->sequence) return sequence(*c->sequence, c->index, pos, c->next);
    // An empty iteration beyond the minimum changes nothing: the shorter path covers it.
    if (pos == c->start && c->count > c->group->min) return false;
    return iterate(*c->group, c->count, pos, c->next);
  }

  const std::string& text_;
};

}  // namespace

std::optional<QuickPattern> QuickPattern::parse(const std::string& pattern) {
  QuickPattern q;
  if (!PatternParser(pattern).parse(q.top_)) return std::nullopt;
  return q;
}

QuickPattern::QuickPattern(const char* pattern) {
  auto parsed = parse(pattern);
  if (!parsed) throw std::logic_error(std::string("pattern outside the quick subset: ") + pattern);
  top_ = std::move(parsed->top_);
}

bool QuickPattern::search(const std::string& text) const {
  const Search s(text);
  const bool anchored = !top_.empty() && top_.front().kind == Node::Begin;
  for (std::size_t start = 0; start <= text.size(); ++start) {
    if (s.sequence(top_, 0, start, nullptr)) return true;
    if (anchored) break;
  }
  return false;
}

}  // namespace mreg
