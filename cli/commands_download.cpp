// mreg download: a version's files from its source into a folder, checked against its digest.
#include <iostream>

#include "context.h"
#include "download_sources.h"
#include "mreg/download.h"
#include "resolve_uri.h"

namespace mreg::cli {

void add_download_commands(CLI::App& app, Context& ctx) {
  struct Args {
    UriArgs uri;
    DownloadOptions opts;
  };
  auto a = std::make_shared<Args>();
  auto* download = app.add_subcommand(
      "download", "Fetch the files of the version a models:/ URI names into DEST, checked against its digest");
  download->add_option("uri", a->uri.uri, "models:/NAME/VERSION, models:/NAME/STAGE, models:/NAME/latest or models:/NAME@ALIAS")
      ->required();
  download->add_option("dest", a->opts.dest, "The folder to create (missing parents are made)")->required();
  add_uri_options(*download, a->uri);
  download->add_flag("--force", a->opts.force,
                     "Replace a DEST that is a non-empty folder, once the new files have verified");
  download->add_flag("--require-digest", a->opts.require_digest, "Refuse (exit 7) a version that has no digest");
  download->footer(
      "Sources: a local path or file://, http(s):// (a folder with a SHA256SUMS listing, B3SUMS for a blake3: digest), s3://BUCKET/PREFIX\n"
      "(credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN or the AWS_PROFILE of\n"
      "~/.aws/credentials and ~/.aws/config; AWS_REGION; AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL for another\n"
      "S3-compatible server). The files go into a temporary folder beside DEST and are renamed into place\n"
      "only when their digest equals the version's; a mismatch exits 7 and leaves DEST as it was.");
  download->callback([&ctx, a] {
    const Format format = ctx.format();
    const ModelVersion v = resolve_uri(ctx, a->uri);
    prepare_download_from(v.files_location());  // mreg hands a network source over to mreg-http here
    DownloadResult r;
    try {
      r = download_model_version(v, a->opts);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::RESOURCE_ALREADY_EXISTS || e.message().find("not empty") == std::string::npos) throw;
      throw Error(e.code(), e.message() + " (--force replaces a folder once the new files have verified)");
    }
    if (!r.verified)
      std::cerr << "mreg: warning: " << v.name << " version " << v.version
                << " has no digest: its files were downloaded unchecked (--require-digest refuses such versions)\n";
    if (format != Format::Table) {
      print_structured(OrderedJson{{"model", v.name},
                                   {"version", std::to_string(v.version)},
                                   {"source", r.source},
                                   {"digest", r.digest},
                                   {"verified", r.verified},
                                   {"files", r.files},
                                   {"bytes", r.bytes},
                                   {"dest", r.dest}},
                       format);
    } else if (!ctx.quiet) {
      std::cout << "Downloaded " << v.name << " version " << v.version << " (" << r.files
                << (r.files == 1 ? " file, " : " files, ") << r.bytes << " bytes) into " << r.dest << "\n"
                << "digest " << r.digest << (r.verified ? " (verified)" : " (not checked: the version has none)") << "\n";
    }
  });
}

}  // namespace mreg::cli
