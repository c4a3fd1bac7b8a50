//! `policy_documents` probe: token scopes written down in policy documents
//! under the app paths, one concern per check. No document of the concern's
//! family: not applicable.

use super::params::{default_app_paths, Params};
use super::Outcome;
use crate::collectors::policy_documents::{family_of, MAX_ENTRIES, MAX_FILES};
use crate::facts::Facts;
use crate::sources::Unavailable;
use serde::{Deserialize, Serialize};

/// What a policy grants that it should not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Concern {
    K8sClusterAdminBinding,
    K8sWildcardRbac,
    K8sAutomountToken,
    IamWildcardPolicy,
    IamPassroleWildcard,
    CiWorkflowPermissions,
    VaultSudoWildcard,
}

impl Concern {
    fn as_str(self) -> &'static str {
        match self {
            Concern::K8sClusterAdminBinding => "k8s-cluster-admin-binding",
            Concern::K8sWildcardRbac => "k8s-wildcard-rbac",
            Concern::K8sAutomountToken => "k8s-automount-token",
            Concern::IamWildcardPolicy => "iam-wildcard-policy",
            Concern::IamPassroleWildcard => "iam-passrole-wildcard",
            Concern::CiWorkflowPermissions => "ci-workflow-permissions",
            Concern::VaultSudoWildcard => "vault-sudo-wildcard",
        }
    }
}

fn describe_family(f: &str) -> &'static str {
    match f {
        "k8s" => "no Kubernetes manifest",
        "iam" => "no IAM policy document",
        "workflow" => "no GitHub Actions workflow",
        _ => "no Vault policy",
    }
}

/// Parameters of the `policy_documents` probe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyParams {
    pub concern: Concern,
    #[serde(default = "default_app_paths")]
    pub app_paths: Vec<String>,
}

impl Params for PolicyParams {}

pub fn run(f: &Facts, params: &PolicyParams) -> Result<Outcome, Unavailable> {
    let concern = params.concern.as_str();
    let family = family_of(concern);
    let paths = &params.app_paths;
    let docs = f.policy_documents(paths)?;
    let unreadable: Vec<_> =
        docs.unreadable_files.iter().filter(|(_, fams)| fams.contains(&family)).map(|(e, _)| e.clone()).collect();
    let documents = docs.documents.get(family).and_then(|v| v.as_u64()).unwrap_or(0) as usize;
    let of_family = |v: &serde_json::Value| v["families"].as_array().is_some_and(|f| f.iter().any(|x| x == family));
    let unparsed: Vec<String> = docs
        .unparsed
        .iter()
        .filter(|u| of_family(u))
        .map(|u| {
            format!(
                "{}:{} was not judged ({})",
                u["path"].as_str().unwrap_or(""),
                u["line"],
                u["message"].as_str().unwrap_or("")
            )
        })
        .collect();
    if documents == 0 && unreadable.is_empty() {
        let mut why = format!(
            "{} in {}",
            describe_family(family),
            if paths.is_empty() { "(no application paths)".to_string() } else { paths.join(", ") }
        );
        for u in &unparsed {
            why.push_str("; ");
            why.push_str(u);
        }
        return Err(Unavailable::NotFound(why));
    }
    let mut out = Outcome { checked: documents, unreadable, ..Outcome::default() };
    out.notes.extend(unparsed);
    if docs.truncated {
        out.notes.push(format!("the search stopped after {MAX_ENTRIES} entries or {MAX_FILES} files"));
    }
    out.failures.extend(docs.findings.iter().filter(|f| f["concern"] == concern).cloned());
    Ok(out)
}
