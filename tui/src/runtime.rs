pub trait Fetcher {}
