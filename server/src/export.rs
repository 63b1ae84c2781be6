//! `POST /account/export/download`: the download behind a "download my data" link. A
//! route of its own because its answer is a file, not a page. The link's page only
//! shows a button (mail scanners open links); this POST uses the link, once.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::authorize::context;

pub async fn download(State(state): State<AppState>, req: Request) -> Response {
    let ctx = match context(&state, req).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let token = ctx.param("token").unwrap_or_default();
    match state
        .engine
        .download_data_export(&ctx.tenant.0.tenant, &ctx.client, token)
        .await
    {
        Ok(Some(export)) => {
            let Ok(body) = serde_json::to_vec_pretty(&export.document) else {
                return ctx.redirect("/account/export?result=failed");
            };
            let file_name: String = export
                .file_name
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .collect();
            let mut res = (
                StatusCode::OK,
                [
                    (
                        header::CONTENT_TYPE,
                        "application/json; charset=utf-8".to_string(),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{file_name}\""),
                    ),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                    (header::REFERRER_POLICY, "no-referrer".to_string()),
                ],
                body,
            )
                .into_response();
            ctx.finish(&mut res);
            res
        }
        Ok(None) => ctx.redirect("/account/export?result=invalid"),
        Err(e) => {
            tracing::error!(error = %e, "the account's data could not be exported");
            ctx.redirect("/account/export?result=failed")
        }
    }
}
