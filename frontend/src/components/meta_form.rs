//! The plan's document details as a form (number, kind, date, issuer, signer, trích yếu): in the
//! import's review, and on the plan's page once it is saved.

use leptos::prelude::*;
use shared::document::DocumentKind;
use shared::import::review::MetadataDraft;

/// The metadata form: a signal per field, so typing in one re-renders nothing else.
#[derive(Clone, Copy)]
pub struct MetaForm {
    pub number: RwSignal<String>,
    pub kind: RwSignal<Option<DocumentKind>>,
    pub title: RwSignal<String>,
    pub issued_on: RwSignal<String>,
    pub issuer: RwSignal<String>,
    pub signer: RwSignal<String>,
}

impl MetaForm {
    pub fn new(draft: MetadataDraft) -> Self {
        Self {
            number: RwSignal::new(draft.number),
            kind: RwSignal::new(draft.kind),
            title: RwSignal::new(draft.title),
            issued_on: RwSignal::new(draft.issued_on),
            issuer: RwSignal::new(draft.issuer),
            signer: RwSignal::new(draft.signer),
        }
    }

    pub fn draft(&self) -> MetadataDraft {
        MetadataDraft {
            number: self.number.get(),
            kind: self.kind.get(),
            title: self.title.get(),
            issued_on: self.issued_on.get(),
            issuer: self.issuer.get(),
            signer: self.signer.get(),
        }
    }

    pub fn set(&self, draft: MetadataDraft) {
        self.number.set(draft.number);
        self.kind.set(draft.kind);
        self.title.set(draft.title);
        self.issued_on.set(draft.issued_on);
        self.issuer.set(draft.issuer);
        self.signer.set(draft.signer);
    }
}

/// The document's metadata as a form; a field still holding what the importer read is marked
/// as read, not checked (`read`: what was read, or what is stored).
#[component]
pub fn MetaFields(meta: MetaForm, read: MetadataDraft) -> impl IntoView {
    // Issuers to pick from: the province's people's committee and the registry's agencies.
    let issuers: Vec<String> = std::iter::once("Ủy ban nhân dân tỉnh Lạng Sơn".to_owned())
        .chain(
            crate::session::use_auth()
                .agencies
                .get_untracked()
                .into_iter()
                .map(|a| a.name),
        )
        .collect();
    let guess = || {
        view! { <span class="guess" title="Máy đọc từ văn bản; hãy kiểm tra">"đọc từ văn bản"</span> }
    };
    let guessed = move |field: RwSignal<String>, was: String| {
        move || (!was.is_empty() && field.get() == was).then(guess)
    };
    let text_field = move |id: &'static str,
                           label: &'static str,
                           field: RwSignal<String>,
                           was: String,
                           placeholder: &'static str| {
        view! {
            <label class="meta-field" for=id>
                <span>{label} {guessed(field, was)}</span>
                <input id=id type="text" placeholder=placeholder prop:value=move || field.get()
                    on:input=move |ev| field.set(event_target_value(&ev)) />
            </label>
        }
    };
    let kinds = [
        DocumentKind::Plan,
        DocumentKind::Decision,
        DocumentKind::Directive,
        DocumentKind::Resolution,
        DocumentKind::OfficialLetter,
        DocumentKind::Other,
    ];
    let read_kind = read.kind;
    view! {
        <div class="meta-form">
            {text_field("meta-number", "Số", meta.number, read.number.clone(), "52/KH-UBND")}
            <label class="meta-field" for="meta-kind">
                <span>"Loại văn bản"
                    {move || (read_kind.is_some() && meta.kind.get() == read_kind).then(guess)}
                </span>
                <select id="meta-kind" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    meta.kind.set(kinds.into_iter().find(|k| k.name_vi() == v));
                }>
                    <option value="" selected=move || meta.kind.get().is_none()>"(chưa rõ)"</option>
                    {kinds.into_iter().map(|k| view! {
                        <option value=k.name_vi() selected=move || meta.kind.get() == Some(k)>{k.name_vi()}</option>
                    }).collect_view()}
                </select>
            </label>
            {text_field("meta-date", "Ngày ban hành", meta.issued_on, read.issued_on.clone(), "dd/mm/yyyy")}
            <label class="meta-field wide" for="meta-issuer">
                <span>"Cơ quan ban hành" {guessed(meta.issuer, read.issuer.clone())}</span>
                <input id="meta-issuer" type="text" list="meta-issuers" prop:value=move || meta.issuer.get()
                    on:input=move |ev| meta.issuer.set(event_target_value(&ev)) />
                <datalist id="meta-issuers">
                    {issuers.into_iter().map(|name| view! { <option value=name></option> }).collect_view()}
                </datalist>
            </label>
            {text_field("meta-signer", "Người ký", meta.signer, read.signer.clone(), "")}
            <label class="meta-field full" for="meta-title">
                <span>"Trích yếu" {guessed(meta.title, read.title.clone())}</span>
                <textarea id="meta-title" rows="2" prop:value=move || meta.title.get()
                    placeholder="Nội dung chính của văn bản"
                    on:input=move |ev| meta.title.set(event_target_value(&ev))></textarea>
            </label>
        </div>
    }
}

/// The plan's document details as they stand (the import's, with the changes made since).
pub fn metadata_now(store: &crate::state::PlanStore) -> shared::document::PlanMetadata {
    use shared::report::DocumentRecord;
    store.plan.with(|p| {
        store
            .state
            .with(|s| DocumentRecord::metadata_of(s.records(), &p.metadata))
    })
}

/// "Sửa thông tin văn bản": the standing agency corrects the plan's document details after
/// the import; each changed field is an edit synced like any other (checked, in the history).
#[component]
pub fn DocumentEditor(store: crate::state::PlanStore, open: RwSignal<bool>) -> impl IntoView {
    use shared::mutation::Mutation;
    use shared::report::{RecordKey, ReportMutation};
    let now = metadata_now(&store);
    let meta = MetaForm::new(MetadataDraft::of(&now));
    let error = RwSignal::new(None::<String>);
    let save = move |_| {
        error.set(None);
        let before = metadata_now(&store);
        let after = match meta.draft().checked(&before) {
            Ok(after) => after,
            Err(e) => {
                error.set(Some(e.to_string()));
                return;
            }
        };
        let edits = shared::report::DocumentRecord::edits(&before, &after);
        for edit in edits {
            let mutation = Mutation::Report {
                op: ReportMutation::Edit {
                    key: RecordKey::Document,
                    edit,
                },
            };
            if let Err(e) = store.dispatch(mutation) {
                error.set(Some(e.to_string()));
                return;
            }
        }
        open.set(false);
    };
    view! {
        <form class="document-editor" aria-label="Sửa thông tin văn bản"
            on:submit=move |ev| { ev.prevent_default(); save(()); }>
            <MetaFields meta=meta read=MetadataDraft::default() />
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <div class="actions">
                <button type="button" on:click=move |_| open.set(false)>"Huỷ"</button>
                <button class="primary" type="submit">"Lưu thông tin văn bản"</button>
            </div>
        </form>
    }
}
