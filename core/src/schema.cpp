#include "schema.h"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <memory>
#include <mutex>
#include <regex>

#include "schema_checks.h"
#include "schema_patterns.h"
#include "schemas_embedded.h"

namespace mreg {
namespace {

// Each schema is compiled on first use: a command that reads one kind of file
// does not pay for the others. Its patterns are checked apart (schema_patterns.h).
struct CompiledSchema {
  valijson::Schema schema;
  std::unique_ptr<SchemaPatterns> patterns;
};

const CompiledSchema& compiled(SchemaKind kind) {
  static std::once_flag once[5];
  // Kept to the end of the process and never destroyed: freeing their many small parts at exit
  // costs a short command a twentieth of its time, for memory the exit gives back anyway.
  static const CompiledSchema* schemas[5];
  const int i = static_cast<int>(kind);
  std::call_once(once[i], [i] {
    auto* made = new CompiledSchema();
    nlohmann::json doc = nlohmann::json::parse(schema_text(static_cast<SchemaKind>(i)));
    made->patterns = std::make_unique<SchemaPatterns>(doc);  // takes the patterns out of doc
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(doc);
    parser.populateSchema(adapter, made->schema);
    schemas[i] = made;
  });
  return *schemas[i];
}

// valijson's context ["<root>", "[tags]", "[team]"] as a JSON pointer.
std::string pointer_of(const std::vector<std::string>& context) {
  std::string p;
  for (const auto& part : context) {
    if (part == "<root>") continue;
    std::string key = part.size() >= 2 && part.front() == '[' ? part.substr(1, part.size() - 2) : part;
    p += "/" + pointer_escape(key);
  }
  return p;
}

std::string field_of(const std::string& pointer) {
  std::string f;
  for (char c : pointer) f += c == '/' ? '.' : c;
  return f.empty() ? "(document)" : f.substr(1);
}

struct Located {
  std::string pointer;
  std::string message;
};

// valijson reports every enclosing schema that failed too; keep the deepest
// error at each place and say it in the registry's words.
std::vector<Located> translate(const valijson::ValidationResults& results) {
  std::vector<Located> raw;
  valijson::ValidationResults copy = results;
  valijson::ValidationResults::Error e;
  while (copy.popError(e)) raw.push_back({pointer_of(e.context), e.description});

  static const std::regex unknown("could not be validated using 'properties' or 'additionalProperties' constraints: '(.*)'\\.$");
  static const std::regex missing("^Missing required property '(.*)'\\.?$");
  std::vector<Located> out;
  for (const auto& r : raw) {
    std::smatch m;
    if (std::regex_search(r.message, m, unknown)) {
      out.push_back({r.pointer + "/" + m[1].str(), "unknown key '" + m[1].str() + "' (only keys under tags and keys starting with x- may be added)"});
    } else if (std::regex_search(r.message, m, missing)) {
      out.push_back({r.pointer, "missing required key '" + m[1].str() + "'"});
    } else if (r.message.rfind("Failed to validate against", 0) == 0 ||
               r.message.rfind("Failed to validate item", 0) == 0 ||
               r.message.rfind("Failed to validate", 0) == 0) {
      continue;  // an enclosing schema; the deeper error says what is wrong
    } else {
      std::string msg = r.message;
      if (msg.find("'type' constraint") != std::string::npos) msg = "wrong type";
      else if (msg.find("'pattern'") != std::string::npos) msg = "does not match the required pattern";
      else if (msg.find("enum") != std::string::npos) msg = "not one of the allowed values";
      else if (msg.find("maxLength") != std::string::npos || msg.find("no more than") != std::string::npos) msg = "too long";
      else if (msg.find("minLength") != std::string::npos || msg.find("no fewer than") != std::string::npos) msg = "too short";
      else if (msg.find("const") != std::string::npos) msg = "not the required value";
      if (!msg.empty() && msg.back() == '.') msg.pop_back();
      out.push_back({r.pointer, "field '" + field_of(r.pointer) + "': " + msg});
    }
  }
  // A name error surfaces twice (the name's own check and the enclosing one).
  std::vector<Located> unique;
  for (auto& l : out) {
    bool seen = false;
    for (auto& u : unique) seen = seen || (u.pointer == l.pointer && u.message == l.message);
    if (!seen) unique.push_back(l);
  }
  if (unique.empty() && !raw.empty()) unique.push_back({raw.front().pointer, raw.front().message});
  return unique;
}

// The generated check (schema_checks.h): a value it accepts fits the schema, so the schema
// need not be loaded; one it does not accept is validated in full, which says why.
bool accepted_at_once(SchemaKind kind, const Json& value) {
  switch (kind) {
    case SchemaKind::Registry: return generated_schema_checks::accepts_registry(value);
    case SchemaKind::Model: return generated_schema_checks::accepts_model(value);
    case SchemaKind::Version: return generated_schema_checks::accepts_version(value);
    case SchemaKind::Request: return generated_schema_checks::accepts_request(value);
    case SchemaKind::Policy: return generated_schema_checks::accepts_policy(value);
  }
  return false;
}

std::vector<Located> run_fully(SchemaKind kind, const Json& value) {
  // One validator per thread keeps its compiled regular expressions.
  thread_local valijson::Validator validator(valijson::Validator::kStrongTypes);
  valijson::adapters::NlohmannJsonAdapter adapter(value);
  valijson::ValidationResults results;
  const CompiledSchema& schema = compiled(kind);
  std::vector<Located> out;
  if (!validator.validate(schema.schema, adapter, &results)) out = translate(results);
  for (const auto& m : schema.patterns->check(value))
    out.push_back({m.pointer, "field '" + field_of(m.pointer) + "': does not match the required pattern"});
  return out;
}

std::vector<Located> run(SchemaKind kind, const Json& value) {
  if (accepted_at_once(kind, value)) return {};
  return run_fully(kind, value);
}

}  // namespace

bool fits_schema_fully(SchemaKind kind, const Json& value) { return run_fully(kind, value).empty(); }

const char* schema_text(SchemaKind kind) {
  switch (kind) {
    case SchemaKind::Registry: return embedded_schema_registry;
    case SchemaKind::Model: return embedded_schema_model;
    case SchemaKind::Version: return embedded_schema_version;
    case SchemaKind::Request: return embedded_schema_request;
    case SchemaKind::Policy: return embedded_schema_policy;
  }
  return "{}";
}

std::vector<Problem> validate(SchemaKind kind, const YamlDocument& doc, const std::string& path) {
  std::vector<Problem> out;
  if (!doc.value.is_object()) {
    out.push_back({path, 1, "the file must hold a YAML mapping"});
    return out;
  }
  // valijson's UTF-8 decoder reads past the end of a malformed string: it never sees one.
  for (const auto& t : text_problems(doc.value)) out.push_back({path, doc.line_of(t.pointer), t.message});
  if (!out.empty()) return out;
  for (const auto& l : run(kind, doc.value)) out.push_back({path, doc.line_of(l.pointer), l.message});
  return out;
}

void validate_for_write(SchemaKind kind, const Json& value, const std::string& path) {
  // What a reader would refuse is never written (and valijson never sees a string that is not
  // UTF-8).
  for (const auto& t : text_problems(value))
    throw Error(ErrorCode::INVALID_PARAMETER_VALUE, path + ": field '" + field_of(t.pointer) + "': " + t.message +
                                                        "; nothing was written");
  std::vector<Problem> problems;
  for (const auto& l : run(kind, value)) problems.push_back({path, 0, l.message});
  if (!problems.empty()) {
    // Values are checked before they get here; a schema failure now is a bug,
    // reported as an invalid value rather than written.
    std::string msg;
    for (auto& p : problems) msg += (msg.empty() ? "" : "; ") + p.message;
    throw Error(ErrorCode::INVALID_PARAMETER_VALUE, path + ": " + msg);
  }
}

}  // namespace mreg
