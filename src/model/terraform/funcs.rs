//! Terraform's built-in functions, as far as a static review needs them:
//! collections, strings, numbers and conversions. Anything else (files,
//! hashes, network arithmetic, time) is unknown, with the call as its text.

use super::eval::{Cx, World, index};
use super::value::{Loc, V, Val, same};
use crate::last_wins::LastWins;
use hcl_edit::expr::Expression;

const MAX_ITEMS: usize = 4096;

pub fn call(
    w: &World<'_>,
    cx: &Cx<'_>,
    name: &str,
    args: &[&Expression],
    expand_final: bool,
    whole: &Expression,
) -> Val {
    let text = || w.text(cx.parsed, whole);
    // try/can look at failures, so they evaluate lazily.
    match name {
        "try" => {
            for a in args {
                let v = w.eval(cx, a);
                if v.is_error() {
                    continue;
                }
                return v;
            }
            return Val::error(text());
        }
        "can" => {
            let v = args.first().map(|a| w.eval(cx, a));
            return match v {
                Some(v) if v.is_error() => Val::new(V::Bool(false), Loc::NONE),
                Some(v) if v.is_known() => Val::new(V::Bool(true), Loc::NONE),
                _ => Val::unknown(text()),
            };
        }
        _ => {}
    }
    let mut vals: Vec<Val> = args.iter().map(|a| w.eval(cx, a)).collect();
    if expand_final && let Some(last) = vals.pop() {
        match last.v {
            V::List(items) => vals.extend(items),
            _ => return Val::unknown(text()),
        }
    }
    let unknown = || Val::unknown(text());
    let error = || Val::error(text());
    // Most functions need known arguments; the collection functions below
    // work element-wise and keep unknown elements.
    let all_known = vals.iter().all(|v| !v.is_unknown());
    let list = |v: &Val| -> Option<Vec<Val>> {
        match &v.v {
            V::List(items) => Some(items.clone()),
            _ => None,
        }
    };
    let int = |i: i64| Val::new(V::Int(i), Loc::NONE);
    let boolean = |b: bool| Val::new(V::Bool(b), Loc::NONE);
    let string = |s: String| Val::str(s);
    match name {
        "length" => match vals.first().map(|v| &v.v) {
            Some(V::List(items)) => int(items.len() as i64),
            Some(V::Map(entries)) => int(entries.len() as i64),
            Some(V::Str(s)) => int(s.chars().count() as i64),
            _ => unknown(),
        },
        "concat" => {
            let mut out = Vec::new();
            for v in &vals {
                match &v.v {
                    V::List(items) => out.extend(items.iter().cloned()),
                    _ => return unknown(),
                }
            }
            Val::new(V::List(out), Loc::NONE)
        }
        "merge" => {
            let mut out = LastWins::new();
            for v in &vals {
                match &v.v {
                    V::Map(entries) => {
                        for (k, at, x) in entries {
                            out.push(k.clone(), (k.clone(), *at, x.clone()));
                        }
                    }
                    V::Null => {}
                    _ => return unknown(),
                }
            }
            Val::new(V::Map(out.into_vec()), Loc::NONE)
        }
        "keys" | "values" => match vals.first().map(|v| &v.v) {
            Some(V::Map(entries)) => {
                let mut e = entries.clone();
                e.sort_by(|a, b| a.0.cmp(&b.0));
                Val::new(
                    V::List(
                        e.into_iter()
                            .map(|(k, _, v)| if name == "keys" { Val::str(k) } else { v })
                            .collect(),
                    ),
                    Loc::NONE,
                )
            }
            _ => unknown(),
        },
        "lookup" => match (vals.first(), vals.get(1)) {
            (Some(m @ Val { v: V::Map(_), .. }), Some(k)) => match k.as_text() {
                Some(key) => match m.get(&key) {
                    Some(x) => x.clone(),
                    None => vals.get(2).cloned().unwrap_or_else(error),
                },
                None => unknown(),
            },
            _ => unknown(),
        },
        "element" => match (
            vals.first().and_then(list),
            vals.get(1).and_then(Val::as_i64),
        ) {
            (Some(items), Some(i)) if !items.is_empty() => {
                items[(i.rem_euclid(items.len() as i64)) as usize].clone()
            }
            (Some(items), None) if !items.is_empty() => index(&vals[0], &vals[1]),
            _ => match vals.first() {
                Some(v) if v.is_unknown() => index(v, vals.get(1).unwrap_or(&Val::null())),
                _ => unknown(),
            },
        },
        "slice" => match (
            vals.first(),
            vals.get(1).and_then(Val::as_i64),
            vals.get(2).and_then(Val::as_i64),
        ) {
            (
                Some(Val {
                    v: V::List(items), ..
                }),
                Some(a),
                Some(b),
            ) if 0 <= a && a <= b && (b as usize) <= items.len() => {
                Val::new(V::List(items[a as usize..b as usize].to_vec()), Loc::NONE)
            }
            // A slice of an unknown list with known bounds: that many
            // unknown elements (`slice(data.aws_availability_zones.x.names,
            // 0, 3)` is three zones, whichever they are).
            (
                Some(
                    v @ Val {
                        v: V::Unknown(_), ..
                    },
                ),
                Some(a),
                Some(b),
            ) if 0 <= a && a <= b && (b - a) as usize <= MAX_ITEMS => Val::new(
                V::List((a..b).map(|i| index(v, &int(i))).collect()),
                Loc::NONE,
            ),
            _ => unknown(),
        },
        "flatten" => {
            fn flat(v: &Val, out: &mut Vec<Val>) -> bool {
                match &v.v {
                    V::List(items) => items.iter().all(|i| flat(i, out)),
                    V::Unknown(_) => false,
                    _ => {
                        out.push(v.clone());
                        true
                    }
                }
            }
            let mut out = Vec::new();
            match vals.first() {
                Some(v) if flat(v, &mut out) => Val::new(V::List(out), Loc::NONE),
                _ => unknown(),
            }
        }
        "distinct" | "toset" => match vals.first().and_then(list) {
            Some(items) => {
                let mut out: Vec<Val> = Vec::new();
                for i in items {
                    if i.is_known() {
                        if !out.iter().any(|o| same(o, &i)) {
                            out.push(i);
                        }
                    } else {
                        // Unknown elements may be duplicates: the set's size
                        // is unknown.
                        return unknown();
                    }
                }
                if name == "toset" {
                    out.sort_by_key(|a| a.as_text());
                }
                Val::new(V::List(out), Loc::NONE)
            }
            None => unknown(),
        },
        "compact" => match vals.first().and_then(list) {
            Some(items) if items.iter().all(Val::is_known) => Val::new(
                V::List(
                    items
                        .into_iter()
                        .filter(|i| !matches!(&i.v, V::Str(s) if s.is_empty()) && !i.is_null())
                        .collect(),
                ),
                Loc::NONE,
            ),
            _ => unknown(),
        },
        "contains" => match (vals.first().and_then(list), vals.get(1)) {
            (Some(items), Some(x)) if x.is_known() => {
                if items.iter().any(|i| same(i, x)) {
                    boolean(true)
                } else if items.iter().all(Val::is_known) {
                    boolean(false)
                } else {
                    unknown()
                }
            }
            _ => unknown(),
        },
        "tolist" | "tomap" | "sensitive" | "nonsensitive" => {
            vals.into_iter().next().unwrap_or_else(Val::null)
        }
        "tostring" => match vals.first() {
            Some(v) if v.is_null() => Val::null(),
            Some(v) => v.as_text().map(string).unwrap_or_else(unknown),
            None => error(),
        },
        "tonumber" => match vals.first().and_then(Val::as_f64) {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => int(f as i64),
            Some(f) => Val::new(V::Float(f), Loc::NONE),
            None => unknown(),
        },
        "tobool" => vals
            .first()
            .and_then(Val::as_bool)
            .map(boolean)
            .unwrap_or_else(unknown),
        "coalesce" => {
            for v in &vals {
                match &v.v {
                    V::Null => continue,
                    V::Str(s) if s.is_empty() => continue,
                    V::Unknown(_) => return v.clone(),
                    _ => return v.clone(),
                }
            }
            error()
        }
        "coalescelist" => {
            for v in &vals {
                match &v.v {
                    V::List(items) if items.is_empty() => continue,
                    _ => return v.clone(),
                }
            }
            error()
        }
        "one" => match vals.first().map(|v| &v.v) {
            Some(V::List(items)) if items.is_empty() => Val::null(),
            Some(V::List(items)) if items.len() == 1 => items[0].clone(),
            _ => unknown(),
        },
        "zipmap" => match (vals.first().and_then(list), vals.get(1).and_then(list)) {
            (Some(k), Some(v)) if k.len() == v.len() => {
                let mut out = Vec::new();
                for (k, v) in k.into_iter().zip(v) {
                    match k.as_text() {
                        Some(k) => out.push((k, Loc::NONE, v)),
                        None => return unknown(),
                    }
                }
                Val::new(V::Map(out), Loc::NONE)
            }
            _ => unknown(),
        },
        "range" if all_known => {
            let n: Vec<f64> = vals.iter().filter_map(Val::as_f64).collect();
            let (start, end, step) = match n.as_slice() {
                [e] => (0.0, *e, 1.0),
                [s, e] => (*s, *e, if s <= e { 1.0 } else { -1.0 }),
                [s, e, st] => (*s, *e, *st),
                _ => return unknown(),
            };
            if step == 0.0 || ((end - start) / step).abs() > MAX_ITEMS as f64 {
                return unknown();
            }
            let mut out = Vec::new();
            let mut x = start;
            while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
                out.push(if x.fract() == 0.0 {
                    int(x as i64)
                } else {
                    Val::new(V::Float(x), Loc::NONE)
                });
                x += step;
            }
            Val::new(V::List(out), Loc::NONE)
        }
        "join" if all_known => match (
            vals.first().and_then(Val::as_text),
            vals.get(1).and_then(list),
        ) {
            (Some(sep), Some(items)) => {
                let parts: Option<Vec<String>> = items.iter().map(Val::as_text).collect();
                parts.map(|p| string(p.join(&sep))).unwrap_or_else(unknown)
            }
            _ => unknown(),
        },
        "split" if all_known => match (
            vals.first().and_then(Val::as_text),
            vals.get(1).and_then(Val::as_text),
        ) {
            (Some(sep), Some(s)) if !sep.is_empty() => Val::new(
                V::List(
                    s.split(sep.as_str())
                        .map(|p| Val::str(p.to_string()))
                        .collect(),
                ),
                Loc::NONE,
            ),
            _ => unknown(),
        },
        "lower" | "upper" | "trimspace" | "title" if all_known => {
            match vals.first().and_then(Val::as_text) {
                Some(s) => string(match name {
                    "lower" => s.to_lowercase(),
                    "upper" => s.to_uppercase(),
                    "trimspace" => s.trim().to_string(),
                    _ => s,
                }),
                None => unknown(),
            }
        }
        "replace" if all_known => match (
            vals.first().and_then(Val::as_text),
            vals.get(1).and_then(Val::as_text),
            vals.get(2).and_then(Val::as_text),
        ) {
            (Some(s), Some(from), Some(to))
                if !(from.is_empty() || from.starts_with('/') && from.ends_with('/')) =>
            {
                string(s.replace(&from, &to))
            }
            _ => unknown(),
        },
        "substr" if all_known => match (
            vals.first().and_then(Val::as_text),
            vals.get(1).and_then(Val::as_i64),
            vals.get(2).and_then(Val::as_i64),
        ) {
            (Some(s), Some(off), Some(len)) if off >= 0 => {
                let chars = s.chars().skip(off as usize);
                string(if len < 0 {
                    chars.collect()
                } else {
                    chars.take(len as usize).collect()
                })
            }
            _ => unknown(),
        },
        "startswith" | "endswith" if all_known => match (
            vals.first().and_then(Val::as_text),
            vals.get(1).and_then(Val::as_text),
        ) {
            (Some(s), Some(p)) => boolean(if name == "startswith" {
                s.starts_with(&p)
            } else {
                s.ends_with(&p)
            }),
            _ => unknown(),
        },
        "format" if all_known => {
            let Some(fmt) = vals.first().and_then(Val::as_text) else {
                return unknown();
            };
            let mut out = String::new();
            let mut args = vals[1..].iter();
            let mut chars = fmt.chars().peekable();
            while let Some(c) = chars.next() {
                if c != '%' {
                    out.push(c);
                    continue;
                }
                match chars.next() {
                    Some('%') => out.push('%'),
                    Some('s' | 'd' | 'v') => match args.next().and_then(Val::as_text) {
                        Some(t) => out.push_str(&t),
                        None => return unknown(),
                    },
                    _ => return unknown(),
                }
            }
            string(out)
        }
        // JSON with the unknown parts as `${...}`, so the references inside
        // a policy document stay visible.
        "jsonencode" => match vals.first() {
            Some(v) => {
                let mut out = String::new();
                let mut unknown = false;
                json(v, &mut out, &mut unknown);
                if unknown {
                    Val::new(
                        V::Unknown(Box::new(super::value::Unknown {
                            text: out,
                            template: true,
                            error: false,
                            zone: None,
                            known: None,
                        })),
                        Loc::NONE,
                    )
                } else {
                    string(out)
                }
            }
            None => error(),
        },
        "min" | "max" if all_known => {
            let nums: Option<Vec<f64>> = vals.iter().map(Val::as_f64).collect();
            match nums {
                Some(n) if !n.is_empty() => {
                    let r = if name == "min" {
                        n.iter().cloned().fold(f64::INFINITY, f64::min)
                    } else {
                        n.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                    };
                    if r.fract() == 0.0 {
                        int(r as i64)
                    } else {
                        Val::new(V::Float(r), Loc::NONE)
                    }
                }
                _ => unknown(),
            }
        }
        "abs" | "ceil" | "floor" if all_known => match vals.first().and_then(Val::as_f64) {
            Some(f) => {
                let r = match name {
                    "abs" => f.abs(),
                    "ceil" => f.ceil(),
                    _ => f.floor(),
                };
                if r.fract() == 0.0 && r.abs() < 9.0e15 {
                    int(r as i64)
                } else {
                    Val::new(V::Float(r), Loc::NONE)
                }
            }
            None => unknown(),
        },
        _ => unknown(),
    }
}

/// Writes a value as JSON; unknown parts become `${expr}`.
fn json(v: &Val, out: &mut String, unknown: &mut bool) {
    match &v.v {
        V::Null => out.push_str("null"),
        V::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        V::Int(i) => out.push_str(&i.to_string()),
        V::Float(f) => out.push_str(&f.to_string()),
        V::Str(s) => out.push_str(&serde_json::Value::String(s.clone()).to_string()),
        V::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json(item, out, unknown);
            }
            out.push(']');
        }
        V::Map(entries) => {
            out.push('{');
            for (i, (k, _, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(k.clone()).to_string());
                out.push(':');
                json(item, out, unknown);
            }
            out.push('}');
        }
        V::Unknown(u) => {
            *unknown = true;
            out.push('"');
            if u.template {
                out.push_str(&u.text);
            } else {
                out.push_str(&format!("${{{}}}", u.text));
            }
            out.push('"');
        }
    }
}
