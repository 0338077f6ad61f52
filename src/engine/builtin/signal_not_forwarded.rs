//! SHUTDOWN-003, container command side: the command line leaves a shell or
//! a package manager as PID 1 in front of the app, so the SIGTERM the
//! kubelet sends never reaches it. The app cannot shut down gracefully and
//! is SIGKILLed when the grace period ends: every rollout drops its
//! in-flight requests and each pod takes the whole grace period to stop.
//!
//! What shells do with `-c` (checked, not assumed): Debian's dash (the
//! `/bin/sh` of Debian and Ubuntu images) never replaces itself with the
//! command; BusyBox ash (Alpine) and bash 5.1+ exec the last command of a
//! `;`/`&&` list; bash before 5.1 only a lone command. No shell execs a
//! command that is piped, backgrounded, or followed by something else.
//!
//! Not reported: an explicit `exec`, a `trap` on TERM, an init (tini,
//! dumb-init, catatonit), `bash -c` with a single command, `sh -c` on an
//! Alpine/BusyBox image where the app is the last command, and scripts run
//! by path (`/entrypoint.sh`), whose content the manifest does not show.
//!
//! Dockerfiles: the final stage's ENTRYPOINT and CMD (inherited from the
//! stages it builds on) as Docker runs them, the shell form wrapped in
//! `/bin/sh -c` (or the stage's SHELL), judged on the stage's base image.
//! Not reported when every compose service that runs the image as built
//! sets `init: true`.
//!
//! Compose: a service's `entrypoint`/`command` (strings are split as
//! compose does, without a shell) over what the Dockerfile it builds
//! declares; a service that builds a stage other than the final one is
//! judged on that stage. `init: true` and one-shot services are not
//! reported; development stacks are info.

use super::compose_support::{built_dockerfile, dockerfiles, for_environment, services};
use super::shell_command::{self, Sep, Simple, basename, is_keyword};
use crate::engine::{Ctx, Hit};
use crate::finding::Severity;
use crate::model::compose::{self, Facts};
use crate::model::dockerfile::Parsed;
use crate::model::k8s::{Container, ImageRef};
use crate::yaml::Node;

pub struct Check;

const INITS: &[&str] = &[
    "tini",
    "tini-static",
    "dumb-init",
    "docker-init",
    "catatonit",
    "s6-svscan",
    "runsvdir",
    "supervisord",
    "init",
];

const PACKAGE_MANAGERS: &[&str] = &["npm", "yarn", "pnpm"];

/// Why the app does not get SIGTERM.
enum Problem {
    /// `npm start`, `yarn start`.
    PackageManager(String),
    /// A shell that stays PID 1; `uncertain` when only old bash does.
    Shell {
        shell: String,
        script: String,
        why: &'static str,
        uncertain: bool,
        /// The script's own loop is the long-running work.
        own_loop: bool,
    },
}

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "signal-not-forwarded"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        kubernetes(ctx, hits);
        dockerfile_images(ctx, hits);
        compose_services(ctx, hits);
    }
}

fn kubernetes(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for w in &ctx.graph.workloads {
        if w.kind.is_batch() {
            continue;
        }
        let r = &ctx.inv.resources[w.resource];
        for (ci, c) in w.containers.iter().enumerate() {
            if c.init && !c.sidecar {
                continue;
            }
            let Some(node) = r.node.pointer(&c.pointer) else {
                continue;
            };
            let command = shell_command::string_list(node.get("command"));
            let args = shell_command::string_list(node.get("args"));
            let (argv, field) = if command.is_empty() {
                // Args alone go to the image's entrypoint; judge them only
                // when they start a shell or a package manager themselves.
                let starts = args.first().is_some_and(|a| {
                    shell_command::is_shell(a) || PACKAGE_MANAGERS.contains(&basename(a))
                });
                if !starts {
                    continue;
                }
                (args, "args")
            } else {
                // `command: [sh, -c]` + `args: [script]`: point at the script.
                let script_in_args = !args.is_empty()
                    && command
                        .iter()
                        .all(|w| shell_command::is_shell(w) || w.starts_with('-'));
                let field = if script_in_args { "args" } else { "command" };
                (command.into_iter().chain(args).collect(), field)
            };
            let Some(problem) = problem(&argv, c) else {
                continue;
            };
            let who = format!("container `{}` of {} `{}`", c.name, r.kind, r.name);
            let (message, uncertain) = describe(problem, &who, &KUBERNETES, "");
            let mut hit = Hit::resource(w.resource, format!("{}/{field}", c.pointer), message);
            if uncertain {
                hit = hit.with_severity(
                        Severity::Low,
                        "bash 5.1 and later exec the last command of a `-c` list themselves; only older bash (4.x images) stays PID 1",
                    );
            }
            if !(w.serving() && w.serves[ci] && !c.sidecar) {
                hit = hit.lowered(
                        1,
                        "the container does not receive the Service's traffic: a missed SIGTERM makes each pod take the whole grace period to stop, but drops no user requests",
                    );
            }
            hits.push(hit);
        }
    }
}

/// How the platform stops a container, for messages.
struct Wording {
    kill: &'static str,
    loop_stop: &'static str,
    rollout: &'static str,
}

const KUBERNETES: Wording = Wording {
    kill: "the kubelet SIGKILLs it when the grace period ends",
    loop_stop: "every pod deletion waits the whole grace period and ends in SIGKILL",
    rollout: "rollout",
};

const COMPOSE: Wording = Wording {
    kill: "Docker SIGKILLs it when the stop grace period ends (`stop_grace_period`, 10 s by default)",
    loop_stop: "every `docker compose stop` or redeploy waits the whole stop grace period and ends in SIGKILL",
    rollout: "redeploy",
};

const IMAGE: Wording = Wording {
    kill: "the container runtime SIGKILLs it when the stop timeout ends (10 s under Docker, the grace period on Kubernetes)",
    loop_stop: "every stop waits the whole timeout and ends in SIGKILL",
    rollout: "rollout",
};

/// The message for a problem, and whether it holds only for old bash.
fn describe(problem: Problem, who: &str, w: &Wording, fix: &str) -> (String, bool) {
    let (kill, rollout) = (w.kill, w.rollout);
    match problem {
        Problem::PackageManager(cmd) => (
            format!(
                "{who} starts the app with `{cmd}`: the package manager stays PID 1 and runs the app in a child shell, and does not reliably pass SIGTERM on, so the app never shuts down gracefully; {kill}, dropping in-flight requests on every {rollout}"
            ),
            false,
        ),
        Problem::Shell {
            shell,
            script,
            own_loop: true,
            ..
        } => (
            format!(
                "{who} runs `{shell} -c \"{}\"`: the shell runs the loop itself as PID 1, where SIGTERM is ignored, so {}. Trap TERM in the script (`trap 'exit 0' TERM`) or run the loop's work as a real process",
                abbreviate(&script),
                w.loop_stop
            ),
            false,
        ),
        Problem::Shell {
            shell,
            script,
            why,
            uncertain,
            ..
        } => (
            format!(
                "{who} runs `{shell} -c \"{}\"`: {why}, so the shell stays PID 1 with the app as its child; as PID 1 it ignores SIGTERM and does not pass it on, so the app never shuts down gracefully and {kill}, dropping in-flight requests on every {rollout}. Start the app with `exec`{fix}",
                abbreviate(&script)
            ),
            uncertain,
        ),
    }
}

// ---------------------------------------------------------------------------
// Dockerfiles and compose.

/// Where a part of a command line comes from.
#[derive(Clone, Copy, Debug)]
enum Src {
    /// A field of the compose service.
    Compose(&'static str),
    /// A Dockerfile instruction: (stage, index).
    Instruction(usize, usize),
}

#[derive(Clone, Debug)]
struct Part {
    argv: Vec<String>,
    src: Src,
    /// A Dockerfile instruction in shell form.
    shell_form: bool,
    keyword: &'static str,
}

/// The last ENTRYPOINT or CMD that applies to a stage, inherited from the
/// stages it builds on.
fn instruction(parsed: &Parsed, stage: usize, keyword: &'static str) -> Option<Part> {
    parsed.chain(stage).into_iter().find_map(|s| {
        let (i, ins) = parsed.stages[s]
            .instructions
            .iter()
            .enumerate()
            .rev()
            .find(|(_, ins)| ins.keyword == keyword)?;
        Some(Part {
            argv: parsed.argv(s, ins),
            src: Src::Instruction(s, i),
            shell_form: ins.exec.is_none(),
            keyword,
        })
    })
}

/// ENTRYPOINT + CMD as Docker combines them, with compose's overrides.
struct CommandLine {
    entrypoint: Option<Part>,
    /// `false` when the entrypoint is the base image's, which the input
    /// does not show.
    entrypoint_known: bool,
    cmd: Option<Part>,
}

fn command_line(
    image: Option<(&Parsed, usize)>,
    entrypoint: Option<Vec<String>>,
    command: Option<Vec<String>>,
) -> CommandLine {
    let compose_entrypoint = entrypoint.is_some();
    let (entrypoint, entrypoint_known) = match entrypoint {
        // `entrypoint: []` or `""` clears the image's.
        Some(argv) => (
            (!argv.is_empty()).then_some(Part {
                argv,
                src: Src::Compose("/entrypoint"),
                shell_form: false,
                keyword: "entrypoint",
            }),
            true,
        ),
        None => match image.and_then(|(p, s)| instruction(p, s, "ENTRYPOINT")) {
            Some(part) => (Some(part), true),
            None => (None, false),
        },
    };
    let cmd = match command {
        Some(argv) => (!argv.is_empty()).then_some(Part {
            argv,
            src: Src::Compose("/command"),
            shell_form: false,
            keyword: "command",
        }),
        // A compose entrypoint clears the image's CMD.
        None if compose_entrypoint => None,
        None => image.and_then(|(p, s)| instruction(p, s, "CMD")),
    };
    // A shell-form ENTRYPOINT ignores CMD.
    let cmd = if entrypoint.as_ref().is_some_and(|e| e.shell_form) {
        None
    } else {
        cmd
    };
    CommandLine {
        entrypoint,
        entrypoint_known,
        cmd,
    }
}

/// What keeps SIGTERM from the app, and the part of the command line to
/// point at.
fn judge(line: &CommandLine, image: &str) -> Option<(Problem, Part)> {
    let container = Container {
        name: String::new(),
        pointer: String::new(),
        init: false,
        sidecar: false,
        image: ImageRef::parse(image),
        ports: Vec::new(),
    };
    if !line.entrypoint_known {
        // The base image's entrypoint (official images exec their
        // arguments): judge the command only when it starts a shell or a
        // package manager itself.
        let cmd = line.cmd.as_ref()?;
        let first = cmd.argv.first()?;
        if !(shell_command::is_shell(first) || PACKAGE_MANAGERS.contains(&basename(first))) {
            return None;
        }
        return problem(&cmd.argv, &container).map(|p| (p, cmd.clone()));
    }
    let argv: Vec<String> = line
        .entrypoint
        .iter()
        .chain(line.cmd.iter())
        .flat_map(|p| p.argv.iter().cloned())
        .collect();
    let p = problem(&argv, &container)?;
    // `["sh", "-c"]` + a script: point at the script.
    let part = match (&line.entrypoint, &line.cmd) {
        (Some(e), Some(c))
            if e.argv
                .iter()
                .all(|w| shell_command::is_shell(w) || w.starts_with('-')) =>
        {
            c
        }
        (Some(e), _) => e,
        (None, Some(c)) => c,
        (None, None) => return None,
    };
    Some((p, part.clone()))
}

/// ` or write CMD in exec form (...)`, for a shell-form instruction.
fn exec_form_fix(part: &Part) -> String {
    if !part.shell_form {
        return String::new();
    }
    let script = part.argv.last().cloned().unwrap_or_default();
    let commands = shell_command::split(&script);
    match commands.as_slice() {
        [one] if !one.words.iter().any(|w| w.contains('$')) => format!(
            " or write {} in exec form (`{} {}`)",
            part.keyword,
            part.keyword,
            serde_json::to_string(&one.words).unwrap_or_default()
        ),
        _ => format!(" or write {} in exec form", part.keyword),
    }
}

fn init_enabled(service: &Node) -> bool {
    service.get("init").and_then(Node::as_bool) == Some(true)
}

/// The images built from Dockerfiles, as built (the final stage).
fn dockerfile_images(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let users = services(ctx);
    for (id, r, parsed) in dockerfiles(ctx) {
        let Some(last) = parsed.stages.len().checked_sub(1) else {
            continue;
        };
        // Compose services that run the image as built, without a command
        // of their own: when every one of them has an init, the image's
        // command line does not matter to them.
        let runners: Vec<&(usize, &crate::model::Resource, Facts<'_>)> = users
            .iter()
            .filter(|(_, s, f)| {
                f.dockerfile() == Some(r.name.as_str())
                    && parsed.target(f.build_target()) == Some(last)
                    && s.node.get("entrypoint").is_none()
                    && s.node.get("command").is_none()
            })
            .collect();
        if !runners.is_empty()
            && runners
                .iter()
                .all(|(_, s, f)| init_enabled(&s.node) || f.one_shot().is_some())
        {
            continue;
        }
        let line = command_line(Some((&parsed, last)), None, None);
        let Some((problem, part)) = judge(&line, parsed.base_image(last)) else {
            continue;
        };
        let Src::Instruction(s, i) = part.src else {
            continue;
        };
        let who = format!("the image of Dockerfile `{}`", r.name);
        let (message, uncertain) = describe(problem, &who, &IMAGE, &exec_form_fix(&part));
        let mut hit = Hit::resource(id, format!("/stages/{s}/instructions/{i}"), message);
        if uncertain {
            hit = hit.with_severity(Severity::Low, OLD_BASH);
        }
        hits.push(hit);
    }
}

const OLD_BASH: &str = "bash 5.1 and later exec the last command of a `-c` list themselves; only older bash (4.x images) stays PID 1";

/// Compose services that set their own command line, or build a stage
/// other than the Dockerfile's final one.
fn compose_services(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r, facts) in services(ctx) {
        let node = &r.node;
        if facts.one_shot().is_some() || init_enabled(node) {
            continue;
        }
        let entrypoint = compose::argv(node.get("entrypoint"));
        let command = compose::argv(node.get("command"));
        let built = built_dockerfile(ctx, &facts);
        let other_stage = built
            .as_ref()
            .is_some_and(|(_, p, s)| *s + 1 != p.stages.len());
        if entrypoint.is_none() && command.is_none() && !other_stage {
            // The image as built (the Dockerfile side), or an image the
            // input does not show.
            continue;
        }
        let image = built
            .as_ref()
            .map(|(_, p, s)| p.base_image(*s).to_string())
            .or_else(|| compose::image(node))
            .unwrap_or_default();
        let line = command_line(built.as_ref().map(|(_, p, s)| (p, *s)), entrypoint, command);
        let Some((problem, part)) = judge(&line, &image) else {
            continue;
        };
        let (mut hit, uncertain) = match part.src {
            Src::Compose(field) => {
                let who = format!("compose service `{}`", r.name);
                let (message, uncertain) = describe(problem, &who, &COMPOSE, "");
                (
                    super::compose_support::hit(ctx, id, field, message),
                    uncertain,
                )
            }
            Src::Instruction(s, i) => {
                let Some((df, parsed, stage)) = &built else {
                    continue;
                };
                let stage_name = parsed.stages[*stage]
                    .name
                    .clone()
                    .unwrap_or_else(|| stage.to_string());
                let who = format!(
                    "compose service `{}` (stage `{stage_name}` of `{}`)",
                    r.name, ctx.inv.resources[*df].name
                );
                let (message, uncertain) = describe(problem, &who, &COMPOSE, &exec_form_fix(&part));
                (
                    Hit::resource(*df, format!("/stages/{s}/instructions/{i}"), message),
                    uncertain,
                )
            }
        };
        if uncertain {
            hit = hit.with_severity(Severity::Low, OLD_BASH);
        }
        hits.push(for_environment(hit, &facts));
    }
}

fn abbreviate(script: &str) -> String {
    let one_line = script.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 80 {
        format!("{}...", one_line.chars().take(77).collect::<String>())
    } else {
        one_line
    }
}

fn package_manager_start(words: &[String]) -> Option<String> {
    let program = basename(words.first()?);
    if !PACKAGE_MANAGERS.contains(&program) {
        return None;
    }
    let sub = words.get(1)?.as_str();
    let starts = match program {
        "npm" => matches!(sub, "start" | "run" | "run-script" | "restart"),
        // `yarn start`, `yarn run x`, `yarn dev`: any script.
        _ => !sub.starts_with('-') && !matches!(sub, "install" | "add" | "build" | "test"),
    };
    starts.then(|| words.join(" "))
}

fn is_alpine(c: &Container) -> bool {
    let repo = c.image.repository.to_ascii_lowercase();
    let name = basename(&repo);
    c.image.tag.to_ascii_lowercase().contains("alpine")
        || name.contains("alpine")
        || name == "busybox"
}

fn problem(argv: &[String], c: &Container) -> Option<Problem> {
    let first = argv.first()?;
    if INITS.contains(&basename(first)) {
        return None;
    }
    if let Some(cmd) = package_manager_start(argv) {
        return Some(Problem::PackageManager(cmd));
    }
    let script = shell_command::shell_script(argv)?;
    let commands = shell_command::split(&script.script);
    let last = commands.last()?;
    let traps_term = commands.iter().any(|s| {
        s.program() == "trap"
            && s.words.iter().skip(2).any(|w| {
                matches!(
                    w.as_str(),
                    "TERM" | "SIGTERM" | "15" | "INT" | "SIGINT" | "EXIT" | "0"
                )
            })
    });
    if traps_term {
        return None;
    }
    // `exec npm start` still leaves npm as PID 1.
    let exec_target: &[String] = if last.program() == "exec" {
        &last.words[1..]
    } else {
        &last.words
    };
    if let Some(cmd) = package_manager_start(exec_target) {
        return Some(Problem::PackageManager(cmd));
    }
    if last.program() == "exec" {
        return None;
    }
    if commands
        .iter()
        .any(|s| package_manager_start(&s.words).is_some())
    {
        let cmd = commands
            .iter()
            .find_map(|s| package_manager_start(&s.words))
            .unwrap_or_default();
        return Some(Problem::PackageManager(cmd));
    }
    let before = commands.len().checked_sub(2).map(|i| &commands[i]);
    let shell = script.shell.clone();
    let always = |why: &'static str| {
        Some(Problem::Shell {
            shell: shell.clone(),
            script: script.script.clone(),
            why,
            uncertain: false,
            own_loop: false,
        })
    };
    if last.sep == Sep::Background || last.program() == "wait" {
        return always("the app runs in the background while the shell waits");
    }
    if before.is_some_and(|b: &Simple| b.sep == Sep::Pipe) {
        return always(
            "the last command is part of a pipeline, which no shell replaces itself with",
        );
    }
    if before.is_some_and(|b: &Simple| b.sep == Sep::Or) {
        return always("the command after `||` runs only once the app has exited");
    }
    if is_keyword(last.program()) {
        // `if ...; then exec app; else exec other; fi` execs on every branch.
        let branches_exec = matches!(last.program(), "fi" | "esac")
            && commands.iter().any(|s| {
                s.words.iter().find(|w| !is_keyword(w)).map(String::as_str) == Some("exec")
            });
        if branches_exec {
            return None;
        }
        return Some(Problem::Shell {
            shell: shell.clone(),
            script: script.script.clone(),
            why: "the script ends in a compound command (a loop or an if), which the shell runs itself",
            uncertain: false,
            own_loop: true,
        });
    }
    let single = commands.len() == 1;
    match shell.as_str() {
        "bash" if single => None,
        "bash" => Some(Problem::Shell {
            shell,
            script: script.script.clone(),
            why: "bash before 5.1 does not replace itself with the last command of a list",
            uncertain: true,
            own_loop: false,
        }),
        "ash" => None,
        "sh" | "dash" if is_alpine(c) => None,
        "sh" | "dash" => always(
            "on Debian and Ubuntu based images /bin/sh is dash, which never replaces itself with the command it runs",
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::k8s::ImageRef;

    fn container(image: &str) -> Container {
        Container {
            name: "app".into(),
            pointer: String::new(),
            init: false,
            sidecar: false,
            image: ImageRef::parse(image),
            ports: Vec::new(),
        }
    }

    fn check(argv: &[&str], image: &str) -> bool {
        let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        problem(&argv, &container(image)).is_some()
    }

    #[test]
    fn shells() {
        assert!(check(
            &["sh", "-c", "java -jar app.jar"],
            "eclipse-temurin:21-jre"
        ));
        assert!(!check(
            &["sh", "-c", "java -jar app.jar"],
            "eclipse-temurin:21-jre-alpine"
        ));
        assert!(!check(
            &["bash", "-c", "java -jar app.jar"],
            "eclipse-temurin:21-jre"
        ));
        assert!(check(&["bash", "-c", "cd /app; java -jar app.jar"], "x"));
        assert!(!check(
            &["sh", "-c", "cd /app && exec java -jar app.jar"],
            "x"
        ));
        assert!(check(
            &["sh", "-c", "java -jar app.jar | tee /log"],
            "alpine"
        ));
        assert!(check(
            &["/bin/sh", "-c", "java -jar app.jar &\nwait"],
            "alpine"
        ));
        assert!(!check(
            &[
                "sh",
                "-c",
                "trap 'kill -TERM $PID' TERM; java & PID=$!; wait $PID"
            ],
            "x"
        ));
        assert!(check(
            &["sh", "-c", "while true; do sleep 5; done"],
            "alpine"
        ));
        assert!(!check(
            &[
                "sh",
                "-c",
                "if [ -n \"$DEBUG\" ]; then exec app --debug; else exec app; fi"
            ],
            "x"
        ));
        assert!(!check(&["/entrypoint.sh"], "x"));
        assert!(!check(
            &["tini", "--", "sh", "-c", "java -jar app.jar"],
            "x"
        ));
    }

    #[test]
    fn package_managers() {
        assert!(check(&["npm", "start"], "node:20"));
        assert!(check(&["yarn", "start"], "node:20"));
        assert!(check(
            &["sh", "-c", "cd /app && npm run serve"],
            "node:20-alpine"
        ));
        assert!(!check(&["node", "server.js"], "node:20"));
        assert!(!check(&["npm", "ci"], "node:20"));
    }
}
