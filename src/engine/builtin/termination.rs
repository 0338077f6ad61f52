//! How a container stops, read from its manifest: the preStop hook (and how
//! long it waits), and the application's own shutdown timeout where the
//! environment or arguments state it. Shared by SHUTDOWN-001 and
//! SHUTDOWN-002.

use super::shell_command::{self, Sep};
use crate::yaml::Node;

/// The container's preStop hook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreStop {
    None,
    /// Native `sleep` action, or an exec hook that sleeps: seconds when known.
    Sleep(Option<i64>),
    /// An httpGet hook: a drain endpoint of the app.
    Http,
    /// An exec hook that runs something else (a drain script, a graceful
    /// stop command); `immediate` when it only stops the server at once
    /// (`nginx -s quit`, `kill`) without waiting for endpoints to update.
    Exec {
        command: String,
        immediate: bool,
    },
    /// A hook without a usable handler (tcpSocket is not supported).
    Other,
}

impl PreStop {
    /// Whether the hook delays shutdown while endpoints are removed.
    pub fn drains(&self) -> bool {
        match self {
            PreStop::Sleep(s) => s.is_none_or(|s| s > 0),
            PreStop::Http => true,
            PreStop::Exec { immediate, .. } => !immediate,
            PreStop::None | PreStop::Other => false,
        }
    }

    /// Seconds the hook is known to wait.
    pub fn seconds(&self) -> i64 {
        match self {
            PreStop::Sleep(Some(s)) => *s,
            _ => 0,
        }
    }
}

/// Commands that stop a server at once: the endpoint-propagation race is
/// still there.
const IMMEDIATE_STOPS: &[&str] = &["kill", "pkill", "killall", "killall5"];

pub fn prestop(container: &Node) -> PreStop {
    let Some(hook) = container.path(&["lifecycle", "preStop"]) else {
        return PreStop::None;
    };
    if let Some(sleep) = hook.get("sleep") {
        return PreStop::Sleep(sleep.get("seconds").and_then(Node::as_i64));
    }
    if hook.get("httpGet").is_some() {
        return PreStop::Http;
    }
    let Some(cmd) = hook.path(&["exec", "command"]) else {
        return PreStop::Other;
    };
    let argv = shell_command::string_list(Some(cmd));
    let commands = shell_command::commands(&argv);
    let mut sleep_total = Some(0);
    let mut sleeps = false;
    let mut immediate = !commands.is_empty();
    for c in &commands {
        let program = c.program();
        if program == "sleep" {
            sleeps = true;
            let secs = c.words.get(1).and_then(|w| parse_seconds(w));
            sleep_total = match (sleep_total, secs) {
                (Some(t), Some(s)) if c.sep != Sep::Background => Some(t + s),
                _ => None,
            };
            immediate = false;
        } else if !(IMMEDIATE_STOPS.contains(&program)
            || (program == "nginx" && c.words.iter().any(|w| w == "-s"))
            || (matches!(program, "apachectl" | "httpd")
                && c.words.iter().any(|w| w == "stop" || w == "graceful-stop"))
            || program == "echo"
            || program == "true")
        {
            immediate = false;
        }
    }
    if sleeps {
        return PreStop::Sleep(sleep_total);
    }
    PreStop::Exec {
        command: argv.join(" "),
        immediate,
    }
}

/// `15`, `15s`, `1m`, `0.5`; `infinity` and variables are unknown.
fn parse_seconds(word: &str) -> Option<i64> {
    let (num, mult) = match word.chars().last()? {
        's' => (&word[..word.len() - 1], 1.0),
        'm' => (&word[..word.len() - 1], 60.0),
        'h' => (&word[..word.len() - 1], 3600.0),
        _ => (word, 1.0),
    };
    let v: f64 = num.parse().ok()?;
    Some((v * mult).ceil() as i64)
}

/// The application's shutdown timeout in seconds and where it is set, when
/// the container's environment or arguments say it.
pub fn app_shutdown(container: &Node) -> Option<(i64, String)> {
    let env: Vec<(String, String)> = container
        .get("env")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| {
            Some((
                e.get("name")?.scalar_text()?,
                e.get("value")?.scalar_text()?,
            ))
        })
        .collect();
    let get = |name: &str| env.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    if let Some(v) = get("SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE")
        && let Some(s) = spring_duration(v)
    {
        return Some((
            s,
            format!("SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE={v}"),
        ));
    }
    if let Some(v) = get("QUARKUS_SHUTDOWN_TIMEOUT")
        && let Some(s) = spring_duration(v)
    {
        return Some((s, format!("QUARKUS_SHUTDOWN_TIMEOUT={v}")));
    }
    // -Dspring.lifecycle.timeout-per-shutdown-phase=45s in JVM options.
    for (name, value) in &env {
        if !matches!(
            name.as_str(),
            "JAVA_OPTS" | "JAVA_TOOL_OPTIONS" | "JDK_JAVA_OPTIONS" | "SPRING_APPLICATION_JSON"
        ) {
            continue;
        }
        if let Some(s) = property(value, "spring.lifecycle.timeout-per-shutdown-phase") {
            return Some((
                s,
                format!("{name} sets spring.lifecycle.timeout-per-shutdown-phase"),
            ));
        }
    }
    let argv: Vec<String> = shell_command::string_list(container.get("command"))
        .into_iter()
        .chain(shell_command::string_list(container.get("args")))
        .collect();
    let words: Vec<String> = argv
        .iter()
        .flat_map(|a| a.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect();
    for (i, w) in words.iter().enumerate() {
        for flag in [
            "--graceful-timeout",
            "--timeout-graceful-shutdown",
            "--spring.lifecycle.timeout-per-shutdown-phase",
        ] {
            let value = if w == flag {
                words.get(i + 1).map(String::as_str)
            } else {
                w.strip_prefix(flag).and_then(|r| r.strip_prefix('='))
            };
            if let Some(v) = value
                && let Some(s) = spring_duration(v)
                    .filter(|_| flag.starts_with("--spring"))
                    .or_else(|| v.parse::<i64>().ok())
            {
                return Some((s, format!("{flag} {v}")));
            }
        }
        if let Some(s) = property(w, "spring.lifecycle.timeout-per-shutdown-phase") {
            return Some((
                s,
                "-Dspring.lifecycle.timeout-per-shutdown-phase".to_string(),
            ));
        }
    }
    // Graceful shutdown on, timeout left at Spring Boot's default of 30 s.
    let graceful = get("SERVER_SHUTDOWN").is_some_and(|v| v.eq_ignore_ascii_case("graceful"))
        || env
            .iter()
            .any(|(_, v)| v.contains("server.shutdown=graceful"))
        || words.iter().any(|w| w.contains("server.shutdown=graceful"));
    graceful.then(|| {
        (
            30,
            "Spring Boot graceful shutdown (default 30 s per phase)".to_string(),
        )
    })
}

/// `-Dname=value` or `--name=value` inside a string of options.
fn property(text: &str, name: &str) -> Option<i64> {
    let i = text.find(name)?;
    let rest = text[i + name.len()..].strip_prefix('=')?;
    let value = rest
        .split(|c: char| c.is_whitespace() || c == '"' || c == ',')
        .next()?;
    spring_duration(value)
}

/// A Spring/Quarkus duration in seconds: `30s`, `1m`, `500ms`, `PT45S`,
/// a bare number of milliseconds (Spring's default unit for Duration).
pub fn spring_duration(v: &str) -> Option<i64> {
    let v = v.trim().to_ascii_lowercase();
    if let Some(iso) = v.strip_prefix("pt") {
        let (mut total, mut num) = (0f64, String::new());
        for c in iso.chars() {
            match c {
                '0'..='9' | '.' => num.push(c),
                'h' | 'm' | 's' => {
                    let n: f64 = num.parse().ok()?;
                    total += n * match c {
                        'h' => 3600.0,
                        'm' => 60.0,
                        _ => 1.0,
                    };
                    num.clear();
                }
                _ => return None,
            }
        }
        return Some(total.ceil() as i64);
    }
    let split = v
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(v.len());
    let (num, unit) = v.split_at(split);
    let n: f64 = num.parse().ok()?;
    let secs = match unit {
        "" | "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86400.0,
        _ => return None,
    };
    Some(secs.ceil() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(yaml: &str) -> Node {
        crate::yaml::parse_stream(yaml, &Default::default())
            .documents
            .remove(0)
            .root
    }

    #[test]
    fn prestop_hooks() {
        let c = container("lifecycle: {preStop: {sleep: {seconds: 10}}}");
        assert_eq!(prestop(&c), PreStop::Sleep(Some(10)));
        let c = container(
            "lifecycle: {preStop: {exec: {command: [sh, -c, 'sleep 15 && nginx -s quit']}}}",
        );
        assert_eq!(prestop(&c), PreStop::Sleep(Some(15)));
        let c = container("lifecycle: {preStop: {exec: {command: [/usr/sbin/nginx, -s, quit]}}}");
        assert!(!prestop(&c).drains());
        let c = container("lifecycle: {preStop: {exec: {command: [/app/drain.sh]}}}");
        assert!(prestop(&c).drains());
        let c = container("lifecycle: {preStop: {httpGet: {path: /drain, port: 8080}}}");
        assert!(prestop(&c).drains());
        assert_eq!(prestop(&container("name: x")), PreStop::None);
    }

    #[test]
    fn durations() {
        assert_eq!(spring_duration("30s"), Some(30));
        assert_eq!(spring_duration("1m"), Some(60));
        assert_eq!(spring_duration("PT45S"), Some(45));
        assert_eq!(spring_duration("20000"), Some(20));
        assert_eq!(spring_duration("x"), None);
    }

    #[test]
    fn app_timeouts() {
        let c = container("env: [{name: SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE, value: 40s}]");
        assert_eq!(app_shutdown(&c).map(|a| a.0), Some(40));
        let c = container(
            "env: [{name: JAVA_OPTS, value: '-Xmx1g -Dspring.lifecycle.timeout-per-shutdown-phase=1m'}]",
        );
        assert_eq!(app_shutdown(&c).map(|a| a.0), Some(60));
        let c = container("args: [gunicorn, --graceful-timeout, '45', app:app]");
        assert_eq!(app_shutdown(&c).map(|a| a.0), Some(45));
        let c = container("env: [{name: SERVER_SHUTDOWN, value: graceful}]");
        assert_eq!(app_shutdown(&c).map(|a| a.0), Some(30));
        assert_eq!(app_shutdown(&container("name: x")), None);
    }
}
