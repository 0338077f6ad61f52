//! The Terraform reader end to end: files in a temporary folder, read by
//! the whole pipeline, and what the resources and findings say.

use crate::audit;
use crate::finding::Finding;
use crate::model::Resource;
use crate::settings::{Request, prepare};
use std::path::Path;

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn scan(files: &[(&str, &str)], select: &[&str]) -> Vec<Finding> {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), files);
    let request = Request {
        paths: vec![dir.path().to_string_lossy().into_owned()],
        select: select.iter().map(|s| s.to_string()).collect(),
        environment: Some("production".into()),
        ..Request::default()
    };
    let prepared = prepare(&request).unwrap();
    audit(&prepared.settings, &prepared.registry)
        .unwrap()
        .findings
}

/// The resources the reader builds for some files.
fn resources(files: &[(&str, &str)]) -> Vec<Resource> {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), files);
    let files: Vec<crate::source::SourceFile> = files
        .iter()
        .map(|(name, text)| {
            crate::source::SourceFile::new(
                name.to_string(),
                crate::source::FileKind::Terraform,
                text.to_string(),
            )
        })
        .collect();
    crate::model::FileReader::read(&super::READER, &files).resources
}

fn find<'a>(rs: &'a [Resource], name: &str) -> &'a Resource {
    rs.iter().find(|r| r.name == name).unwrap_or_else(|| {
        panic!(
            "no {name} in {:?}",
            rs.iter().map(|r| &r.name).collect::<Vec<_>>()
        )
    })
}

fn json(r: &Resource, pointer: &str) -> serde_json::Value {
    r.node
        .pointer(pointer)
        .map(|n| n.to_json())
        .unwrap_or(serde_json::Value::Null)
}

#[test]
fn suppression_comments_work_in_hcl() {
    let findings = scan(
        &[(
            "main.tf",
            "resource \"aws_db_instance\" \"a\" {\n  engine = \"postgres\"\n  # creview: ignore[SPOF-005] a reporting replica we can rebuild\n  multi_az = false\n}\n\nresource \"aws_db_instance\" \"b\" {\n  engine   = \"postgres\"\n  multi_az = false # creview: ignore[SPOF-005] batch only\n}\n\nresource \"aws_db_instance\" \"c\" {\n  engine   = \"postgres\"\n  multi_az = false\n}\n",
        )],
        &["SPOF-005"],
    );
    let spof: Vec<&Finding> = findings.iter().filter(|f| f.check == "SPOF-005").collect();
    assert_eq!(spof.len(), 3, "{spof:#?}");
    let by_line = |l: u32| spof.iter().find(|f| f.location.line == l).unwrap();
    let a = by_line(4);
    assert_eq!(
        a.suppressed.as_ref().map(|s| s.reason.as_str()),
        Some("a reporting replica we can rebuild")
    );
    assert!(by_line(9).suppressed.is_some());
    assert!(by_line(14).suppressed.is_none());
}

#[test]
fn parse_errors_are_input_problems_with_a_position() {
    let findings = scan(
        &[
            (
                "broken.tf",
                "resource \"aws_db_instance\" \"a\" {\n  engine = \n}\n",
            ),
            (
                "good.tf",
                "resource \"aws_db_instance\" \"b\" {\n  multi_az = false\n}\n",
            ),
        ],
        &["SPOF-005"],
    );
    let input = findings
        .iter()
        .find(|f| f.check == "INPUT-001")
        .expect("INPUT-001");
    assert_eq!(input.location.path, "broken.tf");
    assert_eq!(input.location.line, 2);
    // The other file is still checked.
    assert!(
        findings
            .iter()
            .any(|f| f.check == "SPOF-005" && f.location.path == "good.tf")
    );
}

#[test]
fn values_resolve_through_locals_variables_and_tfvars() {
    let rs = resources(&[
        (
            "main.tf",
            r#"
locals {
  name   = "${var.env}-orders"
  merged = merge({ a = 1 }, { b = local.two })
  two    = 2
  pick   = var.flag ? "yes" : "no"
  list   = concat([1], [for x in [2, 3] : x * 10])
  tried  = try(var.missing_map["k"], "fallback")
}

variable "env" { default = "dev" }
variable "flag" {}
variable "unset" {}
variable "missing_map" { default = {} }

resource "aws_db_instance" "db" {
  identifier = local.name
  merged     = local.merged
  pick       = local.pick
  list       = local.list
  tried      = local.tried
  unknown    = var.unset
  template   = "${var.unset}-x"
  ref        = aws_subnet.a.availability_zone
  computed   = aws_subnet.a.id
}

resource "aws_subnet" "a" {
  availability_zone = "eu-west-1a"
}
"#,
        ),
        ("terraform.tfvars", "env = \"prod\"\nflag = true\n"),
    ]);
    let db = find(&rs, "aws_db_instance.db");
    assert_eq!(json(db, "/identifier"), "prod-orders");
    assert_eq!(json(db, "/merged"), serde_json::json!({"a": 1, "b": 2}));
    assert_eq!(json(db, "/pick"), "yes");
    assert_eq!(json(db, "/list"), serde_json::json!([1, 20, 30]));
    assert_eq!(json(db, "/tried"), "fallback");
    assert_eq!(json(db, "/unknown"), "${var.unset}");
    assert_eq!(json(db, "/template"), "${var.unset}-x");
    assert_eq!(json(db, "/ref"), "eu-west-1a");
    assert_eq!(json(db, "/computed"), "${aws_subnet.a.id}");
    // The zone of the subnet travels with the reference.
    assert_eq!(json(db, "/@zones/${aws_subnet.a.id}"), "eu-west-1a");
    // Positions: the attribute, in its file.
    let pos = db.locate("/identifier");
    assert_eq!((pos.line, pos.column), (17, 3));
    // The value comes from another place than the attribute's expression
    // only when another file holds it.
    assert!(json(db, "/@origin").is_null() || json(db, "/@origin/~1identifier").is_null());
}

#[test]
fn count_and_for_each_expand_over_literals() {
    let rs = resources(&[(
        "main.tf",
        r#"
resource "aws_subnet" "s" {
  count             = 3
  availability_zone = ["a", "b", "c"][count.index]
}

resource "aws_instance" "i" {
  for_each  = { one = "a", two = "b" }
  subnet_id = aws_subnet.s[0].id
  name      = each.key
}

resource "aws_instance" "off" {
  count = 0
}
"#,
    )]);
    let s = find(&rs, "aws_subnet.s");
    assert_eq!(json(s, "/count"), 3);
    assert_eq!(json(s, "/@instances/2/availability_zone"), "c");
    let i = find(&rs, "aws_instance.i");
    assert_eq!(json(i, "/@instances/1/name"), "two");
    assert_eq!(json(i, "/@zones/${aws_subnet.s[0].id}"), "a");
    // count = 0: nothing is created.
    assert!(rs.iter().all(|r| r.name != "aws_instance.off"));
}

#[test]
fn local_modules_are_instantiated_with_their_callers_inputs() {
    let rs = resources(&[
        (
            "envs/prod/main.tf",
            "module \"db\" {\n  source   = \"../../modules/db\"\n  multi_az = true\n}\noutput \"id\" { value = module.db.id }\n",
        ),
        (
            "envs/dev/main.tf",
            "module \"db\" {\n  source = \"../../modules/db\"\n}\n",
        ),
        (
            "modules/db/main.tf",
            "variable \"multi_az\" { default = false }\nresource \"aws_db_instance\" \"this\" {\n  multi_az = var.multi_az\n}\noutput \"id\" { value = aws_db_instance.this.id }\n",
        ),
    ]);
    let prod = rs
        .iter()
        .find(|r| r.name == "module.db.aws_db_instance.this" && r.namespace == "envs/prod")
        .unwrap();
    let dev = rs
        .iter()
        .find(|r| r.name == "module.db.aws_db_instance.this" && r.namespace == "envs/dev")
        .unwrap();
    assert_eq!(json(prod, "/multi_az"), true);
    assert_eq!(json(dev, "/multi_az"), false);
    // Where the value is set, for the message.
    assert_eq!(json(prod, "/@origin/~1multi_az"), "envs/prod/main.tf:3:14");
    // The module folder is not read on its own: it is called.
    assert!(rs.iter().all(|r| r.namespace != "modules/db"));
    // Located in the module's file.
    assert_eq!(prod.locate("/multi_az").line, 3);
}

#[test]
fn well_known_modules_expose_their_subnets_and_zones() {
    let rs = resources(&[(
        "main.tf",
        r#"
module "vpc" {
  source          = "terraform-aws-modules/vpc/aws"
  azs             = slice(data.aws_availability_zones.available.names, 0, 3)
  private_subnets = ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"]
}

data "aws_availability_zones" "available" {}

resource "aws_autoscaling_group" "web" {
  vpc_zone_identifier = module.vpc.private_subnets
}
"#,
    )]);
    let asg = find(&rs, "aws_autoscaling_group.web");
    assert_eq!(
        json(asg, "/@zones/${module.vpc.private_subnets[1]}"),
        "${data.aws_availability_zones.available.names[1]}"
    );
    let vpc = find(&rs, "module.vpc");
    assert_eq!(json(vpc, "/@module"), "terraform-aws-modules/vpc/aws");
}

#[test]
fn pathological_input_stays_bounded() {
    // Self-reference, mutual reference, huge ranges and deep chains.
    let mut chain = String::from("locals {\n  l0 = 1\n");
    for i in 1..2000 {
        chain.push_str(&format!("  l{i} = local.l{} + 1\n", i - 1));
    }
    chain.push_str("}\n");
    let rs = resources(&[
        (
            "main.tf",
            r#"
locals {
  a = local.a
  b = local.c
  c = local.b
  big = range(100000000)
}
resource "x" "y" {
  a   = local.a
  b   = local.b
  big = length(local.big)
  deep = local.l1999
  count = length(range(5000000))
}
"#,
        ),
        ("chain.tf", &chain),
    ]);
    let y = find(&rs, "x.y");
    assert!(json(y, "/a").as_str().is_some_and(|s| s.contains("${")));
    assert!(json(y, "/b").as_str().is_some_and(|s| s.contains("${")));
    assert!(json(y, "/big").as_str().is_some_and(|s| s.contains("${")));
}

#[test]
fn odd_but_valid_hcl_does_not_panic() {
    let texts = [
        "",
        "a = 1\n",
        "resource {}\n",
        "resource \"a\" {}\n",
        "module \"m\" { source = 1 }\n",
        "module \"m\" { source = \"../../../../outside\" }\n",
        "module \"self\" { source = \"./\" }\n",
        "resource \"a\" \"b\" { dynamic \"x\" { for_each = [1, 2]\n content { v = x.value } } }\n",
        "resource \"a\" \"b\" { dynamic \"x\" { content {} } }\n",
        "resource \"a\" \"b\" { v = \"%{ for x in [1] }${x}%{ endfor }\" }\n",
        "resource \"a\" \"b\" { v = <<EOT\nhello ${var.x}\nEOT\n}\n",
        "resource \"a\" \"b\" { v = [for k, v in {a = 1} : k => v... ] }\n",
        "resource \"a\" \"b\" { v = x.y[*].z[0] }\n",
        "resource \"a\" \"b\" { v = 1 / 0 + 5 % 0 }\n",
        "resource \"a\" \"b\" { count = -1 }\n",
        "resource \"a\" \"b\" { for_each = [var.x] }\n",
        "resource \"a\" \"b\" { v = provider::aws::arn_parse(\"x\") }\n",
        "locals { x = { (var.k) = 1 } }\nresource \"a\" \"b\" { v = local.x }\n",
    ];
    for t in texts {
        let _ = resources(&[("main.tf", t)]);
    }
}
