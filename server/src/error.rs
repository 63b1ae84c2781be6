//! The one error type of the HTTP layer: a status, a stable machine code and a
//! human message. Causes are logged where they happen; database text never reaches a
//! client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, Clone, Copy)]
pub struct HttpError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: &'static str,
}

#[derive(Serialize)]
struct Body {
    error: &'static str,
    message: &'static str,
}

impl HttpError {
    pub const CROSS_SITE: HttpError = HttpError {
        status: StatusCode::FORBIDDEN,
        code: "cross_site_request",
        message: "This request came from another site and was refused.",
    };
    pub const UNAVAILABLE: HttpError = HttpError {
        status: StatusCode::SERVICE_UNAVAILABLE,
        code: "unavailable",
        message: "Portico cannot reach its database right now. Please try again shortly.",
    };
    pub const TOO_LARGE: HttpError = HttpError {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        code: "payload_too_large",
        message: "The request body is larger than this server accepts.",
    };
    pub const BAD_HOST: HttpError = HttpError {
        status: StatusCode::BAD_REQUEST,
        code: "bad_host",
        message: "The request has no valid Host header.",
    };
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(Body {
                error: self.code,
                message: self.message,
            }),
        )
            .into_response()
    }
}
