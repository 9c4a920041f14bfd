// mreg completion bash|zsh|fish: a completion script made from the command tree itself
// (command_tree.h), so that it lists exactly the commands, options and choices there are.
#include <algorithm>
#include <iostream>
#include <map>
#include <set>

#include "command_tree.h"
#include "context.h"

namespace mreg::cli {
namespace {

// What one command offers: its subcommands, the options it takes (its own and, as they fall
// through, its parents'), those that take a value, and the values named ones accept.
struct CommandWords {
  std::string path;  // "mreg model tag"
  std::vector<std::string> subcommands, options, valued;
  std::map<std::string, std::vector<std::string>> choices;  // option word -> values
  std::vector<std::string> own_options;                     // without the parents' (fish)
  std::vector<std::string> arguments;                       // values its arguments accept
};

std::vector<std::string> words_of(const CLI::Option& opt) {
  std::vector<std::string> out;
  for (const auto& s : opt.get_snames()) out.push_back("-" + s);
  for (const auto& l : opt.get_lnames()) out.push_back("--" + l);
  return out;
}

void collect(const CLI::App& cmd, const std::string& path, std::vector<CommandWords>& out) {
  CommandWords w;
  w.path = path;
  for (const CLI::App* sub : subcommands(cmd)) w.subcommands.push_back(sub->get_name());
  std::set<std::string> seen;
  for (const CLI::App* at = &cmd; at; at = at->get_parent()) {
    for (const CLI::Option* opt : at->get_options()) {
      if (!opt->nonpositional()) {
        if (at == &cmd)
          for (const auto& c : choices(*opt)) w.arguments.push_back(c);
        continue;
      }
      for (const auto& word : words_of(*opt)) {
        if (!seen.insert(word).second) continue;
        w.options.push_back(word);
        if (at == &cmd) w.own_options.push_back(word);
        if (takes_value(*opt)) w.valued.push_back(word);
        if (auto c = choices(*opt); !c.empty()) w.choices[word] = c;
      }
    }
  }
  out.push_back(w);
  for (const CLI::App* sub : subcommands(cmd)) collect(*sub, path + " " + sub->get_name(), out);
}

std::string joined(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) s += (s.empty() ? "" : " ") + w;
  return s;
}

// Functions both bash and zsh read: the words of each command, and the command a line names.
void print_sh_functions(const std::vector<CommandWords>& commands, std::ostream& out) {
  auto table = [&](const std::string& name, const std::string& why, auto words) {
    out << "# " << why << "\n" << name << "() {\n  case \"$1\" in\n";
    for (const auto& c : commands)
      if (auto w = words(c); !w.empty()) out << "    '" << c.path << "') printf '%s\\n' '" << w << "' ;;\n";
    out << "  esac\n}\n";
  };
  table("_mreg_subcommands", "The subcommands of a command.", [](const CommandWords& c) { return joined(c.subcommands); });
  table("_mreg_options", "The options a command takes.", [](const CommandWords& c) { return joined(c.options); });
  table("_mreg_valued", "Its options that take a value.", [](const CommandWords& c) { return joined(c.valued); });
  table("_mreg_arguments", "The values its arguments accept, where it names them.",
        [](const CommandWords& c) { return joined(c.arguments); });
  out << "# The values an option accepts (\"COMMAND|OPTION\"), where it names them.\n"
         "_mreg_choices() {\n  case \"$1\" in\n";
  for (const auto& c : commands)
    for (const auto& [option, values] : c.choices)
      out << "    '" << c.path << "|" << option << "') printf '%s\\n' '" << joined(values) << "' ;;\n";
  out << "  esac\n}\n";
  out << R"sh(# The command the words before the cursor name ("mreg model tag").
_mreg_command() {
  local cmd=mreg skip= w
  for w in "$@"; do
    if [ -n "$skip" ]; then skip=; continue; fi
    case "$w" in
      --*=*) ;;
      -*) case " $(_mreg_valued "$cmd") " in *" $w "*) skip=1 ;; esac ;;
      *) case " $(_mreg_subcommands "$cmd") " in *" $w "*) cmd="$cmd $w" ;; esac ;;
    esac
  done
  echo "$cmd"
}
# What may come at the cursor, after the word before it.
_mreg_candidates() {
  local cmd=$1 prev=$2 cur=$3
  case " $(_mreg_valued "$cmd") " in
    *" $prev "*) _mreg_choices "$cmd|$prev"; return ;;
  esac
  case "$cur" in
    -*) _mreg_options "$cmd" ;;
    *) _mreg_subcommands "$cmd"; _mreg_arguments "$cmd" ;;
  esac
}
)sh";
}

void print_bash(const std::vector<CommandWords>& commands, std::ostream& out) {
  out << "# bash completion for mreg, made by `mreg completion bash` from its commands.\n"
         "# Load it with: source <(mreg completion bash)\n";
  print_sh_functions(commands, out);
  out << R"sh(_mreg() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd
  cmd=$(_mreg_command "${COMP_WORDS[@]:1:COMP_CWORD-1}")
  COMPREPLY=($(compgen -W "$(_mreg_candidates "$cmd" "$prev" "$cur")" -- "$cur"))
}
# -o default: file names where mreg names no words (--repo PATH, --model-dir DIR).
complete -o default -F _mreg mreg
)sh";
}

void print_zsh(const std::vector<CommandWords>& commands, std::ostream& out) {
  out << "#compdef mreg\n"
         "# zsh completion for mreg, made by `mreg completion zsh` from its commands.\n"
         "# Load it with: source <(mreg completion zsh)   (after compinit)\n";
  print_sh_functions(commands, out);
  out << R"sh(_mreg() {
  local cur=${words[CURRENT]} prev=${words[CURRENT-1]} cmd
  local -a candidates
  cmd=$(_mreg_command "${(@)words[2,CURRENT-1]}")
  candidates=(${=$(_mreg_candidates "$cmd" "$prev" "$cur")})
  if (( ${#candidates} )); then compadd -- "${candidates[@]}"; else _files; fi
}
if (( $+functions[compdef] )); then compdef _mreg mreg; fi
)sh";
}

void print_fish(const std::vector<CommandWords>& commands, std::ostream& out) {
  out << "# fish completion for mreg, made by `mreg completion fish` from its commands.\n"
         "# Load it with: mreg completion fish | source\n";
  out << "set -g __mreg_commands";
  for (const auto& c : commands) out << " '" << c.path << "'";
  out << "\nset -g __mreg_valued";
  for (const auto& c : commands)
    for (const auto& v : c.valued) out << " '" << c.path << "|" << v << "'";
  out << R"sh(
# The command the words before the cursor name ("mreg model tag").
function __mreg_command
    set -l cmd mreg
    set -l skip 0
    for w in (commandline -opc)[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case '--*=*'
            case '-*'
                if contains -- "$cmd|$w" $__mreg_valued
                    set skip 1
                end
            case '*'
                if contains -- "$cmd $w" $__mreg_commands
                    set cmd "$cmd $w"
                end
        end
    end
    echo $cmd
end
)sh";
  for (const auto& c : commands) {
    const std::string when = "-n \"test (__mreg_command) = '" + c.path + "'\"";
    if (!c.subcommands.empty()) out << "complete -c mreg " << when << " -f -a '" << joined(c.subcommands) << "'\n";
    if (!c.arguments.empty()) out << "complete -c mreg " << when << " -f -a '" << joined(c.arguments) << "'\n";
    // Options: the root's everywhere (they fall through), the others where they belong.
    for (const auto& word : c.path == "mreg" ? c.options : c.own_options) {
      out << "complete -c mreg";
      if (c.path != "mreg") out << " " << when;
      out << (word.rfind("--", 0) == 0 ? " -l " + word.substr(2) : " -s " + word.substr(1));
      const bool valued = std::find(c.valued.begin(), c.valued.end(), word) != c.valued.end();
      if (auto ch = c.choices.find(word); ch != c.choices.end()) out << " -x -a '" << joined(ch->second) << "'";
      else if (valued) out << " -r";
      out << "\n";
    }
  }
}

}  // namespace

void add_completion_commands(CLI::App& app, Context&) {
  auto shell = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("completion", "Print a completion script for bash, zsh or fish");
  cmd->add_option("shell", *shell, "The shell")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
  cmd->callback([&app, shell] {
    std::vector<CommandWords> commands;
    collect(app, app.get_name(), commands);
    if (*shell == "bash") print_bash(commands, std::cout);
    else if (*shell == "zsh") print_zsh(commands, std::cout);
    else print_fish(commands, std::cout);
  });
}

}  // namespace mreg::cli
