// mreg review, mreg compare.
#include <iostream>

#include "comparison_output.h"
#include "context.h"
#include "mreg/review.h"
#include "review_output.h"

namespace mreg::cli {
namespace {

void print_doc(const ReportDoc& doc, Format format) {
  std::cout << (format == Format::Markdown ? doc.markdown() : doc.text());
}

}  // namespace

void add_review_commands(CLI::App& app, Context& ctx) {
  struct Args {
    std::string range, name;
    std::vector<std::string> versions;
  };
  auto a = std::make_shared<Args>();

  auto* review = app.add_subcommand(
      "review", "Describe a branch for its reviewers: requests and approvals, verify's verdict, changed versions, "
                "promotions beside what they replace");
  review->add_option("range", a->range,
                     "BASE..HEAD, BASE.. or BASE (default: the branch's upstream, else main, up to HEAD)");
  review->callback([&ctx, a] {
    const Format format = ctx.report_format();
    Registry r = ctx.open();
    ReviewOptions o;
    o.range = a->range;
    o.trusted_root = ctx.trusted_root_for(r);
    const BranchReview result = review_branch(r, o);
    if (format == Format::Json || format == Format::Yaml) print_structured(review_json(result), format);
    else print_doc(review_doc(result), format);
  });

  auto* compare = app.add_subcommand("compare", "Versions of a model side by side: lineage, digest, flavors, signature, tags");
  compare->add_option("name", a->name, "Model name")->required();
  compare->add_option("versions", a->versions, "Two or more version numbers; the others are compared with the first")
      ->required();
  compare->callback([&ctx, a] {
    const Format format = ctx.report_format();
    if (a->versions.size() < 2) throw Error(ErrorCode::BAD_REQUEST, "compare: name at least two versions of " + a->name);
    std::vector<std::int64_t> numbers;
    for (const auto& v : a->versions) numbers.push_back(version_arg(v));
    Registry r = ctx.open();
    const Snapshot s = ctx.read(r);
    std::vector<ModelVersion> versions;
    std::vector<std::string> labels;
    for (const auto n : numbers) {
      versions.push_back(s.get_model_version(a->name, n));
      labels.push_back("v" + std::to_string(n) + " (" + versions.back().stage + ")");
    }
    const VersionComparison c = compare_versions(versions);
    if (format == Format::Json || format == Format::Yaml) {
      print_structured(OrderedJson{{"model", a->name}, {"comparison", comparison_json(c)}}, format);
      return;
    }
    ReportDoc doc;
    doc.heading(1, a->name + ": " + labels.front() + " beside " + std::to_string(labels.size() - 1) +
                       " other version(s); * marks what differs");
    add_comparison(doc, c, labels);
    print_doc(doc, format);
  });
}

}  // namespace mreg::cli
