//! Hostile input: whatever is in a repository must never crash creview or
//! make it hang. Each case sits beside a good manifest that must still be
//! checked, and says what the user gets for the bad one.

use assert_cmd::Command;
use proptest::prelude::*;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

const GOOD: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: good
spec:
  replicas: 1
  selector:
    matchLabels: {app: good}
  template:
    metadata:
      labels: {app: good}
    spec:
      containers:
        - name: good
          image: nginx:1.27.0
";

struct Outcome {
    json: Value,
    code: Option<i32>,
}

impl Outcome {
    fn findings(&self, check: &str) -> Vec<&Value> {
        self.json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["check"] == check)
            .collect()
    }

    fn input_problem(&self, path: &str) -> &Value {
        self.findings("INPUT-001")
            .into_iter()
            .find(|f| f["location"]["path"] == path)
            .unwrap_or_else(|| panic!("no INPUT-001 for {path}: {}", self.json["findings"]))
    }

    fn good_still_checked(&self) {
        assert!(
            self.findings("SPOF-001")
                .iter()
                .any(|f| f["location"]["path"] == "good.yaml" && f["location"]["line"] == 6),
            "the good manifest beside the bad one was not checked: {}",
            self.json["findings"]
        );
    }
}

/// Scans a folder holding `good.yaml` and whatever `setup` adds.
fn scan_with(setup: impl FnOnce(&Path), extra_args: &[&str]) -> Outcome {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("good.yaml"), GOOD).expect("write");
    setup(dir.path());
    let out = Command::cargo_bin("creview")
        .expect("binary")
        .args(["scan", "--format", "json", "--select", "SPOF-001"])
        .args(extra_args)
        .arg(dir.path())
        .timeout(Duration::from_secs(60))
        .output()
        .expect("runs");
    assert!(
        out.status.code().is_some(),
        "creview was killed (timeout or signal): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    Outcome {
        json,
        code: out.status.code(),
    }
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    std::fs::write(dir.join(name), bytes).expect("write");
}

#[test]
fn billion_laughs() {
    let mut bomb = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut prev = 'a';
    for c in 'b'..='i' {
        let refs = vec![format!("*{prev}"); 9].join(",");
        bomb.push_str(&format!("{c}: &{c} [{refs}]\n"));
        prev = c;
    }
    let o = scan_with(|d| write(d, "bomb.yaml", &bomb), &[]);
    let f = o.input_problem("bomb.yaml");
    assert!(f["message"].as_str().unwrap().contains("nodes"), "{f}");
    assert_eq!(o.code, Some(1));
    o.good_still_checked();
}

#[test]
fn nesting_a_hundred_thousand_deep() {
    let o = scan_with(
        |d| {
            write(d, "deep-flow.yaml", "[".repeat(100_000));
            let block: String = (0..1000)
                .map(|i| format!("{}k:\n", "  ".repeat(i)))
                .collect();
            write(d, "deep-block.yaml", block);
        },
        &[],
    );
    assert_eq!(o.input_problem("deep-flow.yaml")["location"]["line"], 1);
    o.input_problem("deep-block.yaml");
    o.good_still_checked();
}

#[test]
fn twenty_megabytes_of_garbage() {
    let mut garbage = Vec::with_capacity(20 << 20);
    let mut x: u32 = 0x2545_f491;
    while garbage.len() < 20 << 20 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        // Printable ASCII garbage, so it is not rejected as binary.
        garbage.push(b' ' + (x % 95) as u8);
        if x.is_multiple_of(61) {
            garbage.push(b'\n');
        }
    }
    // Over the default limit: refused with a clear message.
    let o = scan_with(|d| write(d, "garbage.yaml", &garbage), &[]);
    let msg = o.input_problem("garbage.yaml")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("--max-file-size"), "{msg}");
    o.good_still_checked();
    // Within a raised limit: parsed (and rejected) without hanging.
    let o = scan_with(
        |d| write(d, "garbage.yaml", &garbage),
        &["--max-file-size", "32MiB"],
    );
    o.input_problem("garbage.yaml");
    o.good_still_checked();
}

#[test]
fn binary_and_invalid_utf8() {
    let o = scan_with(
        |d| {
            write(d, "binary.yaml", [0x7f, b'E', b'L', b'F', 0, 0, 1, 2, 3]);
            write(
                d,
                "latin1.yaml",
                b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n",
            );
        },
        &[],
    );
    assert!(
        o.input_problem("binary.yaml")["message"]
            .as_str()
            .unwrap()
            .contains("binary")
    );
    let l = o.input_problem("latin1.yaml");
    assert!(l["message"].as_str().unwrap().contains("UTF-8"));
    assert_eq!(l["location"]["line"], 4);
    assert_eq!(l["location"]["column"], 12);
    o.good_still_checked();
}

#[test]
fn bom_and_crlf_keep_positions() {
    let o = scan_with(
        |d| {
            let crlf = GOOD
                .replace("name: good", "name: crlf")
                .replace('\n', "\r\n");
            write(d, "crlf.yaml", format!("\u{feff}{crlf}"));
        },
        &[],
    );
    let f = o
        .findings("SPOF-001")
        .into_iter()
        .find(|f| f["location"]["path"] == "crlf.yaml")
        .expect("the CRLF file is checked");
    assert_eq!(f["location"]["line"], 6);
    assert_eq!(f["location"]["column"], 3);
    o.good_still_checked();
}

#[test]
fn tabs_duplicates_scalars_lists_and_empties() {
    let o = scan_with(
        |d| {
            write(
                d,
                "tabs.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: tabbed\n",
            );
            write(
                d,
                "dupes.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n",
            );
            write(d, "scalar.yaml", "just a string\n");
            write(d, "list.yaml", "- a\n- b\n");
            write(d, "empty.yaml", "");
            write(d, "empty-docs.yaml", "---\n---\n...\n---\n");
            write(d, "comments.yaml", "# nothing but a comment\n");
        },
        &[],
    );
    assert_eq!(o.input_problem("tabs.yaml")["location"]["line"], 4);
    let dup = o.input_problem("dupes.yaml");
    assert_eq!(dup["severity"], "medium");
    assert_eq!(dup["location"]["line"], 5);
    let paths: Vec<&str> = o.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["path"].as_str().unwrap())
        .collect();
    for quiet in [
        "scalar.yaml",
        "list.yaml",
        "empty.yaml",
        "empty-docs.yaml",
        "comments.yaml",
    ] {
        assert!(
            !paths.contains(&quiet),
            "{quiet} should produce nothing: {paths:?}"
        );
    }
    o.good_still_checked();
}

#[test]
fn a_directory_named_like_a_file_and_a_fifo() {
    let o = scan_with(
        |d| {
            std::fs::create_dir(d.join("x.yaml")).unwrap();
            write(
                &d.join("x.yaml"),
                "inner.yaml",
                GOOD.replace("name: good", "name: inner"),
            );
            #[cfg(unix)]
            {
                let _ = std::process::Command::new("mkfifo")
                    .arg(d.join("pipe.yaml"))
                    .status();
            }
        },
        &[],
    );
    assert!(
        o.findings("SPOF-001")
            .iter()
            .any(|f| f["location"]["path"] == "x.yaml/inner.yaml"),
        "{}",
        o.json["findings"]
    );
    o.good_still_checked();
}

#[cfg(unix)]
#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let o = scan_with(
        |d| {
            write(d, "locked.yaml", GOOD);
            std::fs::set_permissions(
                d.join("locked.yaml"),
                std::fs::Permissions::from_mode(0o000),
            )
            .unwrap();
        },
        &[],
    );
    // As root the file stays readable; otherwise it must be reported.
    let readable_anyway = o
        .findings("SPOF-001")
        .iter()
        .any(|f| f["location"]["path"] == "locked.yaml");
    if !readable_anyway {
        let f = o.input_problem("locked.yaml");
        assert!(f["message"].as_str().unwrap().contains("cannot read"));
    }
    o.good_still_checked();
}

#[test]
fn a_hundred_thousand_documents() {
    let mut stream = String::with_capacity(8 << 20);
    for i in 0..100_000 {
        stream.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  k: v\n"
        ));
    }
    stream.push_str("---\n");
    stream.push_str(GOOD.replace("name: good", "name: last").as_str());
    let o = scan_with(|d| write(d, "stream.yaml", &stream), &[]);
    assert_eq!(o.json["summary"]["documents"].as_u64().unwrap(), 100_002);
    assert!(
        o.findings("SPOF-001")
            .iter()
            .any(|f| f["location"]["path"] == "stream.yaml" && f["location"]["line"] == 700_007)
    );
    o.good_still_checked();
}

/// A mapping of 100,000 keys: duplicate keys are found with a hash map,
/// not by comparing every key with every other (minutes).
#[test]
fn a_hundred_thousand_keys() {
    let mut map = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n");
    for i in 0..100_000 {
        map.push_str(&format!("  key{i}: v{i}\n"));
    }
    map.push_str("  key7: again\n");
    let o = scan_with(|d| write(d, "big.yaml", &map), &[]);
    let dup = o.input_problem("big.yaml");
    assert_eq!(dup["location"]["line"], 100_006);
    assert!(
        dup["message"]
            .as_str()
            .unwrap()
            .contains("first at line 13"),
        "{dup}"
    );
    o.good_still_checked();
}

/// A container with 100,000 environment variables: the later of two
/// variables of one name wins, found by hash, not by rescanning the list
/// for each (94 s before).
#[test]
fn a_hundred_thousand_environment_variables() {
    let mut env = GOOD.replace("name: good\n", "name: big\n");
    env.push_str("          env:\n");
    for i in 0..100_000 {
        env.push_str(&format!(
            "            - name: VAR_{}\n              value: \"{i}\"\n",
            i % 99_000
        ));
    }
    let o = scan_with(
        |d| write(d, "env.yaml", &env),
        &["--select", "DEPEND-001", "--select", "CAPACITY-006"],
    );
    assert!(
        o.findings("SPOF-001")
            .iter()
            .any(|f| f["location"]["path"] == "env.yaml"),
        "the big manifest is checked too"
    );
    o.good_still_checked();
}

/// 1,000 PodDisruptionBudgets each selecting the same 1,000 Deployments: a
/// million pairs, each linked once (the CEL `selected` list and the
/// workloads' `pdbs` names are shared, not copied per pair: 70 s before),
/// and the message names the first ten workloads, not all of them.
#[test]
fn a_thousand_budgets_over_a_thousand_workloads() {
    let mut stream = String::new();
    for i in 0..1000 {
        stream.push_str(&GOOD.replace("name: good\n", &format!("name: d{i}\n")));
        stream.push_str("---\n");
    }
    for i in 0..1000 {
        stream.push_str(&format!(
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: p{i}\nspec:\n  minAvailable: 1000\n  selector:\n    matchLabels: {{app: good}}\n---\n"
        ));
    }
    let o = scan_with(
        |d| {
            std::fs::create_dir(d.join("many")).expect("mkdir");
            write(&d.join("many"), "all.yaml", &stream);
        },
        &[
            "--select",
            "DISRUPT-001",
            "--select",
            "DISRUPT-002",
            "--select",
            "DISRUPT-003",
        ],
    );
    let blocking = o.findings("DISRUPT-002");
    assert_eq!(blocking.len(), 1000, "every budget blocks eviction");
    let message = blocking[0]["message"].as_str().unwrap();
    assert!(message.contains("and 990 more"), "{message}");
    o.good_still_checked();
}

/// Thousands of rules that each name every service (a broad regex): the
/// JSON lists the first 100 per service and counts the rest (10,000 rules
/// over 3,000 services wrote 12 GB of links before).
#[test]
fn rules_that_name_every_service_are_listed_up_to_a_hundred() {
    let mut rules = String::from(
        "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: r\nspec:\n  groups:\n    - name: g\n      rules:\n",
    );
    for i in 0..150 {
        rules.push_str(&format!(
            "        - alert: GoodDown{i}\n          expr: up{{job=~\"goo.*\"}} < {i}\n          labels: {{severity: page}}\n"
        ));
    }
    let service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: good\nspec:\n  selector: {app: good}\n  ports: [{port: 80}]\n";
    let o = scan_with(
        |d| {
            write(d, "rules.yaml", &rules);
            write(d, "service.yaml", service);
        },
        &[],
    );
    let good = o.json["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "good")
        .expect("service good");
    assert_eq!(good["alerting"]["alerts"].as_array().unwrap().len(), 100);
    assert_eq!(good["alerting"]["alerts"][0]["alert"], "GoodDown0");
    assert_eq!(good["alerting"]["alerts_omitted"], 50);
    o.good_still_checked();
}

/// A compose file of 20,000 services, each depending on the one before:
/// services are found by name through an index, not by scanning the file
/// for each (7 s in release builds before, most of it two quadratic lookups).
#[test]
fn twenty_thousand_compose_services() {
    let mut compose = String::from("services:\n");
    for i in 0..20_000 {
        compose.push_str(&format!("  s{i}:\n    image: postgres:16.4\n"));
        if i > 0 {
            compose.push_str(&format!("    depends_on: [s{}]\n", i - 1));
        }
    }
    let o = scan_with(
        |d| write(d, "compose.yaml", &compose),
        &["--select", "HEALTH-008"],
    );
    let waits = o.findings("HEALTH-008");
    assert_eq!(
        waits.len(),
        19_999,
        "every service waits only for its database to start"
    );
    assert!(waits.iter().any(|f| f["location"]["line"] == 6), "s1 -> s0");
    o.good_still_checked();
}

fn pipeline(text: &str) {
    let loaded = creview::load::Loaded {
        files: vec![creview::source::SourceFile::new(
            "fuzz.yaml".into(),
            creview::source::FileKind::Yaml,
            text.to_string(),
        )],
        documents: vec![creview::yaml::parse_stream(text, &Default::default()).documents],
        problems: Vec::new(),
    };
    let inv = creview::model::build_inventory(loaded, Vec::new(), &Default::default());
    let graph = creview::model::graph::Graph::build(&inv);
    let services = creview::model::service::Services::build(&inv, &graph);
    let reg = creview::engine::registry::Registry::builtin().expect("catalog");
    let _ = creview::engine::run::run(&reg, &Default::default(), &inv, &graph, &services);
}

/// YAML-shaped text from Kubernetes-ish fragments.
fn yamlish() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        Just("apiVersion: apps/v1\n".to_string()),
        Just("kind: Deployment\n".to_string()),
        Just("kind: Service\n".to_string()),
        Just("kind: PodDisruptionBudget\n".to_string()),
        Just("kind: HorizontalPodAutoscaler\n".to_string()),
        Just("metadata:\n  name: x\n".to_string()),
        Just("spec:\n".to_string()),
        Just("  replicas: 0\n".to_string()),
        Just("  selector: {app: x}\n".to_string()),
        Just("  template:\n    metadata:\n      labels: {app: x}\n".to_string()),
        Just("    spec:\n      containers:\n      - name: c\n        image: i\n".to_string()),
        Just("  minAvailable: '100%'\n".to_string()),
        Just("  scaleTargetRef: {kind: Deployment, name: x}\n".to_string()),
        Just("---\n".to_string()),
        Just("- [a, {b: *c}]\n".to_string()),
        Just("&a x: *a\n".to_string()),
        Just("<<: [*a]\n".to_string()),
        Just("\t\n".to_string()),
        "[ -~]{0,20}\n",
    ];
    prop::collection::vec(fragment, 0..30).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_the_loader(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = creview::yaml::parse_stream(&text, &Default::default());
    }

    #[test]
    fn yaml_shaped_text_never_panics_the_pipeline(text in yamlish()) {
        pipeline(&text);
    }
}
