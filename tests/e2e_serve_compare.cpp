// mreg serve: the version page's signature, URI and compare links, and the compare page, as a
// person reads them; bad compare URLs get clear errors.
#include "support/harness.h"
#include "support/server.h"

using namespace e2e;
using Catch::Matchers::Contains;

namespace {

// An MLflow model folder with a signature, as MLflow writes it (JSON lists of columns).
std::string model_folder(const std::string& dir, const std::string& inputs) {
  write_file(dir + "/MLmodel", "flavors:\n  python_function: {}\nsignature:\n  inputs: '" + inputs +
                                   "'\n  outputs: '[{\"type\": \"double\"}]'\n");
  write_file(dir + "/model.pkl", "weights\n");
  return dir;
}

std::string page_of(const Server& s, const std::string& path, int status = 200) {
  auto r = s.get(path);
  INFO(path << " -> " << r->status << "\n" << r->body);
  CHECK(r->status == status);
  return r->body;
}

}  // namespace

TEST_CASE("serve pages: a version's signature, URI and comments, and versions compared side by side",
          "[serve][pages][compare]") {
  Registry reg;
  TempDir work;
  reg.mreg_json({"model", "create", "wind"});
  reg.mreg_json({"register", "wind", "--source", "s3://ml/wind/1", "--model-dir",
                 model_folder(work / "v1", R"([{"name": "temp", "type": "long"}])"), "--tag", "val_mae=0.41"});
  reg.mreg_json({"register", "wind", "--source", "s3://ml/wind/2", "--model-dir",
                 model_folder(work / "v2", R"([{"name": "temp", "type": "long"}, {"name": "gust", "type": "double", "required": false}])"),
                 "--tag", "val_mae=0.37"});
  reg.mreg_json({"stage", "wind", "1", "Production"});
  reg.mreg_json({"comment", "wind", "2", "beats **v1** [here](JaVaScRiPt:alert(1))"});
  Server server({"--repo", reg.path()});

  const std::string v2 = page_of(server, "/models/wind/versions/2");
  // The signature as MLflow shows it: columns with name, type and whether they are required.
  CHECK_THAT(v2, Contains("<table class=\"signature fit\"><caption>inputs</caption>"));
  CHECK_THAT(v2, Contains("<tr><td>temp</td><td><code>long</code></td><td>yes</td></tr>"));
  CHECK_THAT(v2, Contains("<tr><td>gust</td><td><code>double</code></td><td>no</td></tr>"));
  CHECK_THAT(v2, Contains("<caption>outputs</caption>"));
  CHECK_THAT(v2, Contains("<tr><td>#1</td><td><code>double</code></td><td>yes</td></tr>"));
  CHECK_THAT(v2, !Contains("<pre>{"));  // no JSON dump
  // Its URI and how to use it.
  CHECK_THAT(v2, Contains("<code class=\"uri\">models:/wind/2</code>"));
  CHECK_THAT(v2, Contains("mreg resolve models:/wind/2\nmlflow.pyfunc.load_model(\"models:/wind/2\")"));
  // Its comment, rendered, with the unsafe link reduced to its text.
  CHECK_THAT(v2, Contains("<h2>Comments</h2>"));
  CHECK_THAT(v2, Contains("beats <strong>v1</strong> here"));
  CHECK_THAT(v2, !Contains("alert(1)\""));
  // Links to compare it with the version in Production and the one before it.
  CHECK_THAT(v2, Contains("<a href=\"/models/wind/compare?v=1&amp;v=2\">with version 1 (Production)</a>"));
  CHECK_THAT(v2, !Contains("with the version before it"));  // the same link once
  // The model page: a box per version for the compare form.
  const std::string model = page_of(server, "/models/wind");
  CHECK_THAT(model, Contains("<input type=\"checkbox\" name=\"v\" form=\"compare\" value=\"2\""));
  CHECK_THAT(model, Contains("<form id=\"compare\" class=\"compare\" method=\"get\" action=\"/models/wind/compare\">"));

  // The compare page, in whatever order the versions come (a form sends the newest first).
  const std::string compare = page_of(server, "/models/wind/compare?v=2&v=1");
  CHECK(compare == page_of(server, "/models/wind/compare?v=1&v=2"));
  CHECK_THAT(compare, Contains("<h1>Compare wind versions 1, 2</h1>"));
  CHECK(compare.find(">Version 1</a></th>") < compare.find(">Version 2</a></th>"));
  CHECK_THAT(compare, Contains("<th scope=\"row\">tag val_mae <span class=\"muted\">*</span></th><td>0.41</td>"
                               "<td class=\"differs\">0.37 <span class=\"difference\">(-0.04)</span></td>"));
  CHECK_THAT(compare, Contains("<th scope=\"row\">stage <span class=\"muted\">*</span></th><td>Production</td>"));
  CHECK_THAT(compare, Contains("<th scope=\"row\">source <span class=\"muted\">*</span></th><td>s3://ml/wind/1</td>"));
  CHECK_THAT(compare, Contains("version 2 against version 1:<ul><li>inputs: <code>gust</code> added (double (optional))"));

  // Bad compare URLs: what is wrong, with the status that says whose fault it is.
  CHECK_THAT(page_of(server, "/models/wind/compare?v=1", 400), Contains("two or more versions"));
  CHECK_THAT(page_of(server, "/models/wind/compare", 400), Contains("two or more versions"));
  CHECK_THAT(page_of(server, "/models/wind/compare?v=1&v=%3Cb%3E", 400), Contains("v: &#39;&lt;b&gt;&#39; is not a version number"));
  CHECK_THAT(page_of(server, "/models/wind/compare?v=1&v=9", 404), Contains("version=9"));
  CHECK_THAT(page_of(server, "/models/nope/compare?v=1&v=2", 404), Contains("nope not found"));
}
