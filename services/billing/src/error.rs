//! Billing's errors, each a problem (RFC 9457) with a stable code.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use saascript_common::problem::{ApiError, problem_response};

use crate::stripe::signature::SignatureError;

#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    #[error("{0}")]
    Invalid(String),
    /// One field of the request body is wrong.
    #[error("{message}")]
    InvalidField {
        field: &'static str,
        message: String,
    },
    /// A request header is malformed (the `Idempotency-Key`).
    #[error("{message}")]
    BadHeader { code: &'static str, message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadSignature(#[from] SignatureError),
    /// Stripe refused the call (a card declined, a bad parameter, an unknown object).
    #[error("Stripe refused the request ({status}): {message}")]
    Stripe { status: u16, message: String },
    #[error("Stripe cannot be reached: {0}")]
    StripeUnavailable(String),
    /// The payment provider here does not offer this (the local fake has no Checkout or Portal).
    #[error("{0}")]
    NotOffered(String),
    /// Something billing must wait for (a Subscription not created yet by the operator).
    #[error("{0}")]
    NotYet(String),
    #[error("Kubernetes API error: {0}")]
    Kubernetes(#[from] kube::Error),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("configuration error: {0}")]
    Config(String),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = BillingError> = std::result::Result<T, E>;

impl BillingError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, BillingError::Stripe { status: 404, .. })
    }

    /// The server answered with an error that is not Stripe's error object (async-stripe then
    /// reports only that it could not read it).
    pub fn is_not_a_stripe_answer(&self) -> bool {
        matches!(self, BillingError::StripeUnavailable(message)
            if message.contains("error deserializing Stripe error"))
    }
}

impl ApiError for BillingError {
    fn status(&self) -> StatusCode {
        match self {
            BillingError::Invalid(_) | BillingError::InvalidField { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            BillingError::BadHeader { .. } => StatusCode::BAD_REQUEST,
            BillingError::Conflict(_) => StatusCode::CONFLICT,
            BillingError::NotFound(_) => StatusCode::NOT_FOUND,
            BillingError::BadSignature(_) => StatusCode::BAD_REQUEST,
            BillingError::Stripe { status: 402, .. } => StatusCode::PAYMENT_REQUIRED,
            BillingError::Stripe { status, .. } if (400..500).contains(status) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            BillingError::Stripe { .. } | BillingError::StripeUnavailable(_) => {
                StatusCode::BAD_GATEWAY
            }
            BillingError::NotOffered(_) => StatusCode::NOT_IMPLEMENTED,
            BillingError::NotYet(_) => StatusCode::SERVICE_UNAVAILABLE,
            BillingError::Kubernetes(_)
            | BillingError::Database(_)
            | BillingError::Config(_)
            | BillingError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            BillingError::Invalid(_) | BillingError::InvalidField { .. } => "invalid_input",
            BillingError::BadHeader { code, .. } => code,
            BillingError::Conflict(_) => "conflict",
            BillingError::NotFound(_) => "not_found",
            BillingError::BadSignature(SignatureError::OutsideTolerance { .. }) => {
                "signature_timestamp_outside_tolerance"
            }
            BillingError::BadSignature(_) => "signature_invalid",
            BillingError::Stripe { .. } => "stripe_refused",
            BillingError::StripeUnavailable(_) => "stripe_unavailable",
            BillingError::NotOffered(_) => "not_offered_here",
            BillingError::NotYet(_) => "not_ready",
            BillingError::Kubernetes(_)
            | BillingError::Database(_)
            | BillingError::Config(_)
            | BillingError::Internal(_) => "internal",
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            BillingError::InvalidField { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl IntoResponse for BillingError {
    fn into_response(self) -> Response {
        problem_response(&self)
    }
}

/// The answer to a billing change for a tenant marked for deletion (409).
pub fn billing_closed(tenant: &str) -> BillingError {
    BillingError::Conflict(format!(
        "tenant {tenant} is being deleted; its billing is closed"
    ))
}
