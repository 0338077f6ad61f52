//! A small JSON Schema validator: the keywords creview's report schema and
//! the SARIF structure checks use (type, const, enum, required, properties,
//! additionalProperties, items, $ref to local definitions, numeric bounds).
//! It fails on keywords it does not know rather than ignore them, so a
//! schema cannot silently check less than it says.

use serde_json::Value;

const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "title",
    "description",
    "$defs",
    "definitions",
];

pub fn validate(schema: &Value, instance: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    check(schema, schema, instance, "", &mut errors);
    errors
}

fn resolve<'a>(root: &'a Value, reference: &str) -> &'a Value {
    let pointer = reference.strip_prefix('#').expect("only local references");
    root.pointer(pointer)
        .unwrap_or_else(|| panic!("unresolved $ref {reference}"))
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.as_i64().is_some() || v.as_u64().is_some(),
        other => panic!("unknown type {other}"),
    }
}

fn check(root: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    let Some(obj) = schema.as_object() else {
        return;
    };
    for (key, rule) in obj {
        match key.as_str() {
            "$ref" => check(
                root,
                resolve(root, rule.as_str().expect("string $ref")),
                v,
                at,
                errors,
            ),
            "type" => {
                let types: Vec<&str> = match rule {
                    Value::String(s) => vec![s.as_str()],
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                    _ => panic!("bad type"),
                };
                if !types.iter().any(|t| type_ok(t, v)) {
                    errors.push(format!("{at}: {v} is not of type {types:?}"));
                }
            }
            "const" => {
                if v != rule {
                    errors.push(format!("{at}: {v} is not {rule}"));
                }
            }
            "enum" => {
                if !rule.as_array().expect("enum array").contains(v) {
                    errors.push(format!("{at}: {v} is not one of {rule}"));
                }
            }
            "required" => {
                if let Some(o) = v.as_object() {
                    for name in rule.as_array().expect("required array") {
                        let name = name.as_str().expect("string");
                        if !o.contains_key(name) {
                            errors.push(format!("{at}: missing required `{name}`"));
                        }
                    }
                }
            }
            "properties" => {
                if let Some(o) = v.as_object() {
                    for (name, sub) in rule.as_object().expect("properties object") {
                        if let Some(value) = o.get(name) {
                            check(root, sub, value, &format!("{at}/{name}"), errors);
                        }
                    }
                }
            }
            "additionalProperties" => {
                if let (Some(o), Some(false)) = (v.as_object(), rule.as_bool()) {
                    let known = obj.get("properties").and_then(Value::as_object);
                    for name in o.keys() {
                        if !known.is_some_and(|k| k.contains_key(name)) {
                            errors.push(format!("{at}: unexpected property `{name}`"));
                        }
                    }
                }
            }
            "items" => {
                if let Some(a) = v.as_array() {
                    for (i, item) in a.iter().enumerate() {
                        check(root, rule, item, &format!("{at}/{i}"), errors);
                    }
                }
            }
            "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => {
                if let (Some(x), Some(bound)) = (v.as_f64(), rule.as_f64()) {
                    let ok = match key.as_str() {
                        "minimum" => x >= bound,
                        "maximum" => x <= bound,
                        "exclusiveMinimum" => x > bound,
                        _ => x < bound,
                    };
                    if !ok {
                        errors.push(format!("{at}: {x} violates {key} {bound}"));
                    }
                }
            }
            k if ANNOTATIONS.contains(&k) => {}
            other => panic!("schema keyword `{other}` is not supported by this validator"),
        }
    }
}
