//! Support for the API fuzz test (`fuzz_api.rs`): value generators and
//! request strategies built from the OpenAPI document.

pub mod request;
pub mod values;
