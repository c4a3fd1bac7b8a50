//! List helpers for CEL predicates, in linear time: `list.to_set()`,
//! `list.duplicates()`, `list.index_by(field)` and `list.take(n)`.
//!
//! CEL's `x in list` and the lists extension's `distinct()` compare each
//! element with every other: a check that asks "is this account's GID in
//! /etc/group" for 10,000 accounts made 100 million comparisons. A map's
//! `in` is one hash lookup, so `x in group_gids.to_set()` is linear; so is
//! `duplicates()`, which finds the values met more than once with a hash
//! count. `entries.index_by('uid')` groups maps by a field once, so "the
//! other entries with this UID" is one lookup, not a scan of the list for
//! each entry. `list.take(n)` is the first `n` elements (the lists
//! extension's `slice` walks the whole list to check its length, which
//! made "the first 8 of 17,000 names" for each of 17,000 items quadratic).
//!
//! `to_set` and `duplicates` take the elements a map key can be (`int`,
//! `uint`, `string`, `bool`), and so do the field values `index_by` groups
//! by; any other (a list, a map, a double; null for the first two) is an
//! error naming its type, so a predicate filters those out first
//! (`entries.map(e, e.uid != null, e.uid)`).

use cel::common::types::{
    CelBool, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString, INT_TYPE, LIST_TYPE, STRING_TYPE,
};
use cel::common::value::{CowVal, Val};
use cel::{Env, ExecutionError};
use std::collections::HashMap;

/// Declare the helpers on `env`.
pub fn declare(env: &mut Env) {
    let _ = env.add_member_overload("to_set", "list_to_set", LIST_TYPE, vec![], to_set);
    let _ = env.add_member_overload("duplicates", "list_duplicates", LIST_TYPE, vec![], duplicates);
    let _ = env.add_member_overload("index_by", "list_index_by_string", LIST_TYPE, vec![STRING_TYPE], index_by);
    let _ = env.add_member_overload(
        "index_by",
        "list_index_by_string_string",
        LIST_TYPE,
        vec![STRING_TYPE, STRING_TYPE],
        index_by,
    );
    let _ = env.add_member_overload("take", "list_take_int", LIST_TYPE, vec![INT_TYPE], take);
}

/// `list.take(n)`: the first `n` elements (all of them when the list is
/// shorter; `n` below 0 is an error). Only those are visited.
fn take<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [list, n] = args.as_slice() else {
        return Err(ExecutionError::invalid_argument_count(2, args.len()));
    };
    let Some(n) = n.as_ref().downcast_ref::<CelInt>().map(|n| *n.inner()) else {
        return Err(ExecutionError::function_error("take", "the count is not an int"));
    };
    let Ok(n) = usize::try_from(n) else {
        return Err(ExecutionError::function_error("take", format!("cannot take {n} elements")));
    };
    let Some(iterable) = list.as_ref().as_iterable() else {
        return Err(ExecutionError::function_error("take", "the receiver is not a list"));
    };
    let mut items = iterable.iter();
    let mut out: Vec<Box<dyn Val + 'v>> = Vec::new();
    while out.len() < n {
        match items.next() {
            Some(item) => out.push(item.clone_as_boxed()),
            None => break,
        }
    }
    Ok(CowVal::owned(CelList::from(out)))
}

fn not_a_key(function: &str, item: &dyn Val) -> ExecutionError {
    let why = format!(
        "an element of type {} cannot be a set member (only int, uint, string and bool)",
        item.get_type().name()
    );
    ExecutionError::function_error(function, why)
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
            Err(_) => return Err(not_a_key(function, item)),
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

/// The value of `field` in a map, if it has one.
fn field_of<'a, 'v>(map: &'a CelMap<'v>, field: &dyn Val) -> Option<&'a (dyn Val + 'v)> {
    map.inner().iter().find(|(k, _)| k.inner().equals(field)).map(|(_, v)| v.as_ref())
}

/// A string argument.
fn string_arg<'a>(arg: &'a CowVal<'_, '_>) -> Result<&'a CelString<'a>, ExecutionError> {
    arg.as_ref()
        .downcast_ref::<CelString>()
        .ok_or_else(|| ExecutionError::function_error("index_by", "a field name is not a string"))
}

/// `list.index_by('field')`: the maps of the list grouped by the value of
/// their `field`, as a map from each value to the maps that have it, in
/// list order. A map whose field is missing or null is left out.
/// `list.index_by('field', 'value')` keeps only each map's `value` field
/// (null when it has none): `entries.index_by('uid', 'name')` maps each UID
/// to the names that have it.
fn index_by<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let (list, field, value_field) = match args.as_slice() {
        [list, field] => (list, string_arg(field)?, None),
        [list, field, value] => (list, string_arg(field)?, Some(string_arg(value)?)),
        _ => return Err(ExecutionError::invalid_argument_count(2, args.len())),
    };
    let field: &dyn Val = field;
    let value_field: Option<&dyn Val> = value_field.map(|v| v as &dyn Val);
    let Some(iterable) = list.as_ref().as_iterable() else {
        return Err(ExecutionError::function_error("index_by", "the receiver is not a list"));
    };
    let mut groups: HashMap<CelMapKey<'v>, Vec<Box<dyn Val + 'v>>> = HashMap::new();
    let mut items = iterable.iter();
    while let Some(item) = items.next() {
        let Some(map) = item.downcast_ref::<CelMap>() else {
            let why = format!("an element of type {} is not a map", item.get_type().name());
            return Err(ExecutionError::function_error("index_by", why));
        };
        let Some(value) = field_of(map, field) else {
            continue;
        };
        if value.downcast_ref::<CelNull>().is_some() {
            continue;
        }
        let key = CelMapKey::try_from(value.clone_as_boxed()).map_err(|_| not_a_key("index_by", value))?;
        let kept = match value_field {
            None => item.clone_as_boxed(),
            Some(f) => field_of(map, f).map_or_else(|| Box::new(CelNull) as Box<dyn Val + 'v>, |v| v.clone_as_boxed()),
        };
        groups.entry(key).or_default().push(kept);
    }
    let map: HashMap<CelMapKey<'v>, Box<dyn Val + 'v>> =
        groups.into_iter().map(|(k, v)| (k, Box::new(CelList::from(v)) as Box<dyn Val + 'v>)).collect();
    Ok(CowVal::owned(CelMap::from(map)))
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
    fn index_by_groups_in_order() {
        let src = "[{'u': 1, 'n': 'a'}, {'u': 2, 'n': 'b'}, {'u': 1, 'n': 'c'}, {'u': null}, {'n': 'd'}].index_by('u')";
        assert_eq!(eval(&format!("{src}[1].map(o, o.n)")), Ok(json!(["a", "c"])));
        assert_eq!(eval(&format!("{src}[2].map(o, o.n)")), Ok(json!(["b"])));
        assert_eq!(eval(&format!("{src}.size()")), Ok(json!(2)));
        let names = "[{'u': 1, 'n': 'a'}, {'u': 1}, {'u': 1, 'n': 'c'}].index_by('u', 'n')[1]";
        assert_eq!(eval(names), Ok(json!(["a", null, "c"])));
        assert!(eval("[1].index_by('u')").unwrap_err().contains("not a map"));
        assert!(eval("[{'u': [1]}].index_by('u')").unwrap_err().contains("cannot be a set member"));
    }

    #[test]
    fn take_the_first_elements() {
        assert_eq!(eval("[1, 2, 3].take(2)"), Ok(json!([1, 2])));
        assert_eq!(eval("[1, 2, 3].take(5)"), Ok(json!([1, 2, 3])));
        assert_eq!(eval("[1, 2, 3].take(0)"), Ok(json!([])));
        assert!(eval("[1].take(-1)").unwrap_err().contains("cannot take -1"));
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
