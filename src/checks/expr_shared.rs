//! A fact's maps, shared: [`SharedMap`].
//!
//! CEL copies every item a comprehension visits (`entries.filter(e, …)`
//! binds a copy of each entry to `e`, and keeps a copy of each it selects),
//! and its maps copy deeply: the rules of a PAM stack, or 10,000 accounts,
//! were copied whole by every check that iterated them (a hostile PAM
//! configuration: 150 MB). A fact's maps are built once and never change,
//! so they are shared: a copy is a reference count. To CEL a shared map is
//! a map in every way (its type, fields, `in`, iteration, equality, and a
//! `downcast_ref::<CelMap>()` all answer as the map's).

use cel::common::traits::{Container, Indexer, Iterable, Sizer, Zeroer};
use cel::common::types::{CelMap, Type, MAP_TYPE};
use cel::common::value::{Builtin, BuiltinRef, CowVal, Val};
use cel::ExecutionError;
use std::sync::Arc;

/// A map of a fact, shared by every copy CEL makes of it.
#[derive(Debug, Clone)]
pub struct SharedMap(Arc<CelMap<'static>>);

impl SharedMap {
    pub fn new(map: CelMap<'static>) -> SharedMap {
        SharedMap(Arc::new(map))
    }
}

impl Val for SharedMap {
    fn get_type(&self) -> &Type {
        &MAP_TYPE
    }

    fn cel_type() -> &'static Type {
        &MAP_TYPE
    }

    fn as_container(&self) -> Option<&dyn Container> {
        self.0.as_container()
    }

    fn as_indexer<'b, 'w>(&'b self) -> Option<&'b (dyn Indexer + 'w)>
    where
        Self: 'w,
    {
        Some(self)
    }

    fn into_indexer<'w>(self: Box<Self>) -> Option<Box<dyn Indexer + 'w>>
    where
        Self: 'w,
    {
        Some(self)
    }

    fn as_iterable<'b, 'w>(&'b self) -> Option<&'b (dyn Iterable + 'w)>
    where
        Self: 'w,
    {
        self.0.as_iterable()
    }

    fn as_sizer(&self) -> Option<&dyn Sizer> {
        self.0.as_sizer()
    }

    fn as_zeroer(&self) -> Option<&dyn Zeroer> {
        self.0.as_zeroer()
    }

    fn equals(&self, other: &dyn Val) -> bool {
        self.0.equals(other)
    }

    fn clone_as_boxed<'w>(&self) -> Box<dyn Val + 'w>
    where
        Self: 'w,
    {
        Box::new(self.clone())
    }

    fn as_builtin<'b, 'w>(&'b self) -> BuiltinRef<'b, 'w>
    where
        Self: 'w,
    {
        BuiltinRef::Map(&self.0)
    }

    fn into_builtin<'w>(self: Box<Self>) -> Option<Builtin<'w>>
    where
        Self: 'w,
    {
        Some(Builtin::Map(Arc::unwrap_or_clone(self.0)))
    }
}

impl Indexer for SharedMap {
    fn get<'b, 'v>(&'b self, idx: &dyn Val) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        self.0.get(idx)
    }

    /// A field of a map nothing else holds is moved out; of a shared one,
    /// only that field is copied (never the whole map).
    fn steal<'v>(self: Box<Self>, idx: &dyn Val) -> Result<Box<dyn Val + 'v>, ExecutionError>
    where
        Self: 'v,
    {
        match Arc::try_unwrap(self.0) {
            Ok(map) => Box::new(map).steal(idx),
            Err(shared) => shared.get(idx).map(CowVal::into_owned),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::expr::{compile, context, into_val, val_to_json, Shared};
    use serde_json::json;
    use std::sync::Arc;

    /// Every way a predicate reads a map answers for a shared map as for a
    /// map literal.
    #[test]
    fn a_shared_map_is_a_map_to_cel() {
        let fact = json!({"entries": [{"name": "root", "uid": 0, "groups": ["a", "b"], "sub": {"k": 1}},
                                      {"name": "app", "uid": 1000, "groups": [], "sub": {"k": 2}}]});
        let mut shared = Shared::default();
        shared.add("f", Arc::new((into_val(fact.clone()), Vec::new())));
        let mut ctx = context();
        ctx.set_variable_resolver(&shared);
        let cases = [
            ("f.entries[0].name == 'root'", json!(true)),
            ("has(f.entries[0].sub) && !has(f.entries[0].missing)", json!(true)),
            ("'uid' in f.entries[1] && !('x' in f.entries[1])", json!(true)),
            ("f.entries[1] == {'name': 'app', 'uid': 1000, 'groups': [], 'sub': {'k': 2}}", json!(true)),
            ("{'name': 'app', 'uid': 1000, 'groups': [], 'sub': {'k': 2}} == f.entries[1]", json!(true)),
            ("f.entries[0] != f.entries[1]", json!(true)),
            ("type(f.entries[0]) == map && size(f.entries[0]) == 4", json!(true)),
            ("f.entries.filter(e, e.uid > 0).map(e, e.name)", json!(["app"])),
            ("f.entries[0].map(k, k).size()", json!(4)),
            ("f.entries.exists(e, e.groups.exists(g, g == 'b'))", json!(true)),
            ("f.entries.filter(e, true)[1].sub.k", json!(2)),
            ("[f.entries[0]].map(e, e)[0].groups", json!(["a", "b"])),
            ("f.entries.index_by('uid')[0][0].name", json!("root")),
            ("(f.entries + f.entries).size()", json!(4)),
            ("f.entries[0].sub", json!({"k": 1})),
        ];
        for (src, want) in cases {
            let got = compile(src).and_then(|e| e.eval(&ctx)).map(|v| crate::checks::expr::to_json(&v));
            assert_eq!(got, Ok(want), "{src}");
        }
        // Back to JSON as it came.
        assert_eq!(val_to_json(into_val(fact.clone()).as_ref()), fact);
    }
}
