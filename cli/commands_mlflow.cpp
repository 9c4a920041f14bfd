// mreg import mlflow, mreg export mlflow.
#include <iostream>

#include "context.h"
#include "mlflow_client.h"
#include "mreg/mlflow_store.h"

namespace mreg::cli {

void add_mlflow_commands(CLI::App& app, Context& ctx) {
  struct Args {
    std::string path, server, dest;
  };
  auto a = std::make_shared<Args>();

  auto* import = app.add_subcommand("import", "Bring a registry in from elsewhere");
  import->require_subcommand(1);
  auto* from_mlflow = import->add_subcommand("mlflow", "Import an MLflow model registry with its history");
  from_mlflow->add_option("path", a->path, "An MLflow file store (the mlruns folder, or its models/ folder)");
  from_mlflow->add_option("--from-server", a->server, "Read through MLflow's REST API at this URL instead");
  add_dry_run_flag(from_mlflow, ctx);
  from_mlflow->callback([&ctx, a] {
    const Format format = ctx.format();
    if (a->path.empty() == a->server.empty()) throw_invalid("give a file store PATH or --from-server URL, one of them");
    const MlflowRegistry source = a->server.empty() ? read_mlflow_file_store(a->path) : read_mlflow_server(a->server);
    Registry r = ctx.open();
    const ImportReport rep = import_mlflow(r, source, ctx.write_options(r));
    if (format != Format::Table) {
      OrderedJson refused = OrderedJson::array();
      for (const auto& [name, reason] : rep.models_refused) refused.push_back(OrderedJson{{"name", name}, {"reason", reason}});
      print_structured(OrderedJson{{"models_created", rep.models_created}, {"versions_created", rep.versions_created},
                                   {"aliases_set", rep.aliases_set}, {"models_skipped", rep.models_skipped},
                                   {"versions_skipped", rep.versions_skipped}, {"models_not_imported", refused}},
                       format);
    } else if (!ctx.quiet) {
      std::cout << "Imported " << rep.models_created << " models, " << rep.versions_created << " versions and "
                << rep.aliases_set << " aliases (" << rep.models_skipped << " models and " << rep.versions_skipped
                << " versions were here already)\n";
    }
    for (const auto& [name, reason] : rep.models_refused)
      if (format == Format::Table) std::cerr << "Not imported: '" << name << "': " << reason << "\n";
    // The rest is imported; the exit code says that not everything was.
    if (!rep.models_refused.empty())
      throw_invalid(std::to_string(rep.models_refused.size()) + " model" + (rep.models_refused.size() == 1 ? " was" : "s were") +
                    " not imported (listed above with the reasons)");
  });

  auto* exp = app.add_subcommand("export", "Write the registry out for another tool");
  exp->require_subcommand(1);
  auto* to_mlflow = exp->add_subcommand("mlflow", "Write the registry (at --ref) as an MLflow file store");
  to_mlflow->add_option("dest", a->dest, "The folder to write (it gets models/ inside)")->required();
  to_mlflow->callback([&ctx, a] {
    const Format format = ctx.format();
    Registry r = ctx.open();
    const Snapshot s = ctx.read(r);
    export_mlflow_file_store(s, a->dest);
    if (format != Format::Table) print_structured(OrderedJson{{"dest", a->dest}, {"models", s.model_names().size()}}, format);
    else if (!ctx.quiet) std::cout << "Wrote " << s.model_names().size() << " models to " << a->dest << "/models\n";
  });
}

}  // namespace mreg::cli
