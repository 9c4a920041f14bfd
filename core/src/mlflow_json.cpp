#include "mreg/mlflow_json.h"

#include <vector>

namespace mreg {
namespace {

// The mapping below is written once, against an output that either builds a
// JSON tree (TreeOut) or writes the text that tree's dump(2) would be (TextOut):
// long listings are written without a tree per item.

class TreeOut {
 public:
  OrderedJson root;

  void key(const char* k) { key_ = k; }
  void begin_object() { open(OrderedJson::object()); }
  void begin_array() { open(OrderedJson::array()); }
  void end() { stack_.pop_back(); }
  void value(const std::string& s) { slot() = s; }
  void value(std::int64_t n) { slot() = n; }
  void value(const Json& j) { slot() = OrderedJson::parse(j.dump()); }

 private:
  // Where the next value goes. Pointers along the open path stay valid: a container
  // only grows while it is the innermost one.
  OrderedJson& slot() {
    if (stack_.empty()) return root;
    OrderedJson& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(nullptr);
      return top.back();
    }
    return top[key_];
  }
  void open(OrderedJson empty) {
    OrderedJson& s = slot();
    s = std::move(empty);
    stack_.push_back(&s);
  }
  std::vector<OrderedJson*> stack_;
  const char* key_ = "";
};

class TextOut {
 public:
  // depth < 0: compact, as dump(-1) with invalid UTF-8 replaced; else as dump(2) at that depth.
  TextOut(std::string& out, int depth) : out_(out), depth_(depth), compact_(depth < 0) {}

  void key(const char* k) {
    next_item();
    out_ += '"';
    out_ += k;  // keys are plain ASCII names
    out_ += compact_ ? "\":" : "\": ";
    after_key_ = true;
  }
  void begin_object() { open('{'); }
  void begin_array() { open('['); }
  void end() {
    --depth_;
    const bool empty = first_.back();
    first_.pop_back();
    if (!empty) newline();
    out_ += closers_.back();
    closers_.pop_back();
  }
  void value(const std::string& s) {
    before_value();
    quote(s);
  }
  void value(std::int64_t n) {
    before_value();
    out_ += std::to_string(n);
  }
  void value(const Json& j) {
    before_value();
    if (compact_) {
      out_ += j.dump(-1, ' ', false, Json::error_handler_t::replace);
      return;
    }
    const std::string text = j.dump(2);
    for (char c : text) {
      out_ += c;
      if (c == '\n') out_.append(2 * static_cast<std::size_t>(depth_), ' ');
    }
  }

 private:
  void newline() {
    if (compact_) return;
    out_ += '\n';
    out_.append(2 * static_cast<std::size_t>(depth_), ' ');
  }
  void next_item() {
    if (first_.empty()) return;
    if (!first_.back()) out_ += ',';
    first_.back() = false;
    newline();
  }
  void before_value() {
    if (after_key_) after_key_ = false;
    else next_item();
  }
  void open(char c) {
    before_value();
    out_ += c;
    closers_.push_back(c == '{' ? '}' : ']');
    first_.push_back(true);
    ++depth_;
  }
  // As nlohmann's dump() writes a string; text that is not plain ASCII goes through it,
  // so that its UTF-8 checks apply as they do to every other answer.
  void quote(const std::string& s) {
    static const char hex[] = "0123456789abcdef";
    const std::size_t start = out_.size();
    out_ += '"';
    std::size_t plain = 0;  // start of the run of characters written as they are
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x80) {
        out_.resize(start);
        out_ += compact_ ? OrderedJson(s).dump(-1, ' ', false, OrderedJson::error_handler_t::replace)
                         : OrderedJson(s).dump();
        return;
      }
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out_.append(s, plain, i - plain);
      plain = i + 1;
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\b': out_ += "\\b"; break;
        case '\f': out_ += "\\f"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        default:
          out_ += "\\u00";
          out_ += hex[c >> 4];
          out_ += hex[c & 15];
      }
    }
    out_.append(s, plain, s.size() - plain);
    out_ += '"';
  }

  std::string& out_;
  int depth_;
  const bool compact_;
  bool after_key_ = false;
  std::vector<bool> first_;  // per open container: nothing in it yet
  std::vector<char> closers_;
};

template <class Out, class T>
void field(Out& o, const char* key, const T& value) {
  o.key(key);
  o.value(value);
}

template <class Out>
void field_if(Out& o, const char* key, const std::string& value) {
  if (!value.empty()) field(o, key, value);
}

template <class Out>
void string_list(Out& o, const char* key, const std::vector<std::string>& items) {
  if (items.empty()) return;
  o.key(key);
  o.begin_array();
  for (const auto& item : items) o.value(item);
  o.end();
}

template <class Out>
void tag_list(Out& o, const TagMap& tags) {
  if (tags.empty()) return;
  o.key("tags");
  o.begin_array();
  for (const auto& [k, v] : tags) {
    o.begin_object();
    field(o, "key", k);
    field(o, "value", v);
    o.end();
  }
  o.end();
}

template <class Out>
void write_version(Out& o, const ModelVersion& v, const JsonOptions& opts) {
  o.begin_object();
  field(o, "name", v.name);
  field(o, "version", std::to_string(v.version));
  field(o, "creation_timestamp", v.created_at);
  field(o, "last_updated_timestamp", v.updated_at);
  field_if(o, "user_id", v.created_by);
  field(o, "current_stage", v.stage);
  field_if(o, "description", v.description);
  field_if(o, "source", v.source);
  field_if(o, "run_id", v.run_id);
  field(o, "status", v.status);
  field_if(o, "status_message", v.status_message);
  tag_list(o, v.tags);
  field_if(o, "run_link", v.run_link);
  string_list(o, "aliases", v.aliases);
  field_if(o, "model_id", v.model_id);  // MLflow 3's field
  if (opts.lineage) {
    field_if(o, "experiment_id", v.experiment_id);
    field_if(o, "storage_location", v.storage_location);
    field_if(o, "digest", v.digest);
    string_list(o, "flavors", v.flavors);
    if (v.signature.is_object()) field(o, "signature", v.signature);
    field_if(o, "stage_request", v.stage_request);
    if (!v.copied_from.empty()) {
      o.key("copied_from");
      o.begin_object();
      field(o, "registry", v.copied_from.registry);
      field(o, "model", v.copied_from.model);
      field(o, "version", std::to_string(v.copied_from.version));
      field(o, "commit", v.copied_from.commit);
      o.end();
    }
  }
  if (opts.server_empty_strings) {
    if (v.description.empty()) field(o, "description", v.description);
    if (v.run_id.empty()) field(o, "run_id", v.run_id);
    if (v.run_link.empty()) field(o, "run_link", v.run_link);
  }
  o.end();
}

template <class Out>
void write_model(Out& o, const RegisteredModel& m, const std::vector<ModelVersion>& latest_versions,
                 const JsonOptions& opts, const std::vector<Problem>& problems = {}) {
  o.begin_object();
  field(o, "name", m.name);
  field(o, "creation_timestamp", m.created_at);
  field(o, "last_updated_timestamp", m.updated_at);
  field_if(o, "user_id", m.created_by);
  field_if(o, "description", m.description);
  if (!latest_versions.empty()) {
    o.key("latest_versions");
    o.begin_array();
    for (const auto& v : latest_versions) write_version(o, v, opts);
    o.end();
  }
  tag_list(o, m.tags);
  if (!m.aliases.empty()) {
    o.key("aliases");
    o.begin_array();
    for (const auto& [alias, version] : m.aliases) {
      o.begin_object();
      field(o, "alias", alias);
      field(o, "version", std::to_string(version));
      o.end();
    }
    o.end();
  }
  if (!problems.empty()) {
    // A broken model (mreg's field): each file that did not read, where and why.
    o.key("problems");
    o.begin_array();
    for (const auto& p : problems) {
      o.begin_object();
      field(o, "path", p.path);
      field(o, "line", static_cast<std::int64_t>(p.line));
      field(o, "message", p.message);
      o.end();
    }
    o.end();
  }
  o.end();
}

}  // namespace

OrderedJson to_mlflow_json(const ModelVersion& v, const JsonOptions& opts) {
  TreeOut o;
  write_version(o, v, opts);
  return std::move(o.root);
}

OrderedJson to_mlflow_json(const RegisteredModel& m, const std::vector<ModelVersion>& latest_versions,
                           const JsonOptions& opts) {
  TreeOut o;
  write_model(o, m, latest_versions, opts);
  return std::move(o.root);
}

OrderedJson to_mlflow_json(const ModelSummary& s, const JsonOptions& opts) {
  TreeOut o;
  write_model(o, s.model, s.latest_versions, opts, s.problems);
  return std::move(o.root);
}

void append_mlflow_json(std::string& out, const ModelSummary& s, int depth, const JsonOptions& opts) {
  TextOut o(out, depth);
  write_model(o, s.model, s.latest_versions, opts, s.problems);
}

void append_mlflow_json(std::string& out, const ModelVersion& v, int depth, const JsonOptions& opts) {
  TextOut o(out, depth);
  write_version(o, v, opts);
}

std::string mlflow_json_compact(const char* key, const ModelVersion& v, const JsonOptions& opts) {
  std::string out;
  out.reserve(1024);
  TextOut o(out, -1);
  o.begin_object();
  o.key(key);
  write_version(o, v, opts);
  o.end();
  return out;
}

}  // namespace mreg
