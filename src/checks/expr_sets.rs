//! Set helpers for CEL predicates, in linear time: `list.to_set()` and
//! `list.duplicates()`.
//!
//! CEL's `x in list` and the lists extension's `distinct()` compare each
//! element with every other: a check that asks "is this account's GID in
//! /etc/group" for 10,000 accounts made 100 million comparisons. A map's
//! `in` is one hash lookup, so `x in group_gids.to_set()` is linear; so is
//! `duplicates()`, which finds the values met more than once with a hash
//! count.
//!
//! Both take the elements a map key can be (`int`, `uint`, `string`,
//! `bool`); any other element (null, a list, a map, a double) is an error
//! naming its type, so a predicate filters those out first
//! (`entries.map(e, e.uid != null, e.uid)`).

use cel::common::types::{CelBool, CelList, CelMap, CelMapKey, LIST_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{Env, ExecutionError};
use std::collections::HashMap;

/// Declare the helpers on `env`.
pub fn declare(env: &mut Env) {
    let _ = env.add_member_overload("to_set", "list_to_set", LIST_TYPE, vec![], to_set);
    let _ = env.add_member_overload("duplicates", "list_duplicates", LIST_TYPE, vec![], duplicates);
}

/// The receiver's elements, as map keys, in order.
fn keys<'v>(args: &[CowVal<'_, 'v>], function: &str) -> Result<Vec<CelMapKey<'v>>, ExecutionError> {
    let [list] = args else {
        return Err(ExecutionError::invalid_argument_count(1, args.len()));
    };
    let Some(iterable) = list.as_ref().as_iterable() else {
        return Err(ExecutionError::function_error(function, "the receiver is not a list"));
    };
    let mut items = iterable.iter();
    let mut out = Vec::with_capacity(list.as_ref().downcast_ref::<CelList>().map_or(0, |l| l.inner().len()));
    while let Some(item) = items.next() {
        match CelMapKey::try_from(item.clone_as_boxed()) {
            Ok(key) => out.push(key),
            Err(_) => {
                let why = format!(
                    "an element of type {} cannot be a set member (only int, uint, string and bool)",
                    item.get_type().name()
                );
                return Err(ExecutionError::function_error(function, why));
            }
        }
    }
    Ok(out)
}

/// `list.to_set()`: a map from each element to `true`, so `x in set` is a
/// hash lookup.
fn to_set<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let set: HashMap<CelMapKey<'v>, Box<dyn Val + 'v>> =
        keys(&args, "to_set")?.into_iter().map(|k| (k, Box::new(CelBool::from(true)) as Box<dyn Val + 'v>)).collect();
    Ok(CowVal::owned(CelMap::from(set)))
}

/// `list.duplicates()`: each element met more than once, once, in the order
/// of its first appearance.
fn duplicates<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let keys = keys(&args, "duplicates")?;
    let mut seen: HashMap<&CelMapKey<'v>, usize> = HashMap::with_capacity(keys.len());
    for k in &keys {
        *seen.entry(k).or_default() += 1;
    }
    let mut out: Vec<Box<dyn Val + 'v>> = Vec::new();
    for k in &keys {
        if let Some(n) = seen.get_mut(k) {
            if *n > 1 {
                out.push(k.inner().clone_as_boxed());
            }
            // Reported once: later copies find the count spent.
            *n = 0;
        }
    }
    Ok(CowVal::owned(CelList::from(out)))
}

#[cfg(test)]
mod tests {
    use crate::checks::expr::{compile, context, to_json};
    use serde_json::json;

    fn eval(src: &str) -> Result<serde_json::Value, String> {
        compile(src)?.eval(&context()).map(|v| to_json(&v))
    }

    #[test]
    fn duplicates_once_each_in_first_order() {
        assert_eq!(eval("[3, 1, 3, 2, 1, 3].duplicates()"), Ok(json!([3, 1])));
        assert_eq!(eval("['b', 'a', 'b'].duplicates()"), Ok(json!(["b"])));
        assert_eq!(eval("[1, 2, 3].duplicates()"), Ok(json!([])));
        assert_eq!(eval("[].duplicates()"), Ok(json!([])));
    }

    #[test]
    fn sets_answer_membership() {
        assert_eq!(eval("2 in [1, 2, 2].to_set()"), Ok(json!(true)));
        assert_eq!(eval("5 in [1, 2].to_set()"), Ok(json!(false)));
        assert_eq!(eval("'x' in ['x', 'y'].to_set()"), Ok(json!(true)));
        assert_eq!(eval("[1, 2, 2].to_set().size()"), Ok(json!(2)));
    }

    #[test]
    fn elements_that_cannot_be_keys_are_errors() {
        for src in ["[1, null].to_set()", "[[1], [1]].duplicates()", "[{'a': 1}].to_set()"] {
            let e = eval(src).unwrap_err();
            assert!(e.contains("cannot be a set member"), "{src}: {e}");
        }
    }

    #[test]
    fn linear_on_many_elements() {
        // 20,000 elements: a quadratic helper would make 200 million
        // comparisons; this stays well under the predicate time limit even
        // in a debug build (no timing asserted: the result is).
        let src = "(lists.range(10000) + lists.range(10000)).duplicates().size()";
        assert_eq!(eval(src), Ok(json!(10000)));
    }
}
