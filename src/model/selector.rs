//! Kubernetes label selectors: `matchLabels` and `matchExpressions` (In,
//! NotIn, Exists, DoesNotExist), and the plain map selector of a Service.

use crate::yaml::Node;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requirement {
    Equals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector {
    pub requirements: Vec<Requirement>,
    /// An operator we do not know: the selector cannot be evaluated.
    pub invalid: bool,
}

impl LabelSelector {
    /// A `metav1.LabelSelector` (PDB, Deployment, spread constraints). An
    /// empty selector (`{}`) selects everything.
    pub fn from_label_selector(node: &Node) -> LabelSelector {
        let mut sel = LabelSelector::default();
        for (k, v) in super::string_map(node.get("matchLabels")) {
            sel.requirements
                .push(Requirement::Equals(k.into(), v.into()));
        }
        for expr in node
            .get("matchExpressions")
            .map(Node::items)
            .unwrap_or_default()
        {
            let key = expr
                .get("key")
                .and_then(Node::as_str)
                .unwrap_or_default()
                .to_string();
            let values: Vec<String> = expr
                .get("values")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(Node::scalar_text)
                .collect();
            let req = match expr.get("operator").and_then(Node::as_str) {
                Some("In") => Requirement::In(key, values),
                Some("NotIn") => Requirement::NotIn(key, values),
                Some("Exists") => Requirement::Exists(key),
                Some("DoesNotExist") => Requirement::DoesNotExist(key),
                _ => {
                    sel.invalid = true;
                    continue;
                }
            };
            sel.requirements.push(req);
        }
        sel
    }

    /// A Service's `spec.selector`: a plain map of equalities.
    pub fn from_map(node: &Node) -> LabelSelector {
        LabelSelector {
            requirements: super::string_map(Some(node))
                .map(|(k, v)| Requirement::Equals(k.into(), v.into()))
                .collect(),
            invalid: false,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// The first equality requirement, usable as an index key.
    pub fn first_equality(&self) -> Option<(&str, &str)> {
        self.requirements.iter().find_map(|r| match r {
            Requirement::Equals(k, v) => Some((k.as_str(), v.as_str())),
            Requirement::In(k, vs) if vs.len() == 1 => Some((k.as_str(), vs[0].as_str())),
            _ => None,
        })
    }

    pub fn matches<'a>(&self, labels: impl Fn(&str) -> Option<&'a str>) -> bool {
        if self.invalid {
            return false;
        }
        self.requirements.iter().all(|r| match r {
            Requirement::Equals(k, v) => labels(k) == Some(v.as_str()),
            Requirement::In(k, vs) => labels(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            Requirement::NotIn(k, vs) => labels(k).is_none_or(|l| vs.iter().all(|v| v != l)),
            Requirement::Exists(k) => labels(k).is_some(),
            Requirement::DoesNotExist(k) => labels(k).is_none(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_stream};

    fn node(text: &str) -> Node {
        parse_stream(text, &Limits::default())
            .documents
            .remove(0)
            .root
    }

    #[test]
    fn match_labels_and_expressions() {
        let sel = LabelSelector::from_label_selector(&node(
            "matchLabels: {app: web}\nmatchExpressions:\n- {key: tier, operator: In, values: [front, edge]}\n- {key: canary, operator: DoesNotExist}\n",
        ));
        let labels = [("app", "web"), ("tier", "front")];
        let get = |k: &str| labels.iter().find(|(l, _)| *l == k).map(|(_, v)| *v);
        assert!(sel.matches(get));
        let labels2 = [("app", "web"), ("tier", "back")];
        let get2 = |k: &str| labels2.iter().find(|(l, _)| *l == k).map(|(_, v)| *v);
        assert!(!sel.matches(get2));
    }

    #[test]
    fn empty_selector_selects_everything_and_bad_operators_nothing() {
        let empty = LabelSelector::from_label_selector(&node("{}"));
        assert!(empty.is_empty());
        assert!(empty.matches(|_| None));
        let bad = LabelSelector::from_label_selector(&node(
            "matchExpressions: [{key: a, operator: Bogus}]",
        ));
        assert!(!bad.matches(|_| Some("x")));
    }
}
