//! Campaigns (#28): an email written once and sent to an audience of fans, honouring every
//! unsubscribe.
//!
//! * [`compose`]: what a creator writes, the `{first_name|fallback}` merge field, and what
//!   stops a draft from being sent;
//! * [`render`]: Markdown to sanitised HTML and plain text, with the legal footer;
//! * [`sender`]: the store's sender settings and postal address;
//! * [`audience`]: a Fans filter as an audience, in words, sized, and fixed into the queue;
//! * [`lifecycle`]: draft, send now, schedule, pause, resume, cancel;
//! * [`queue`]: the durable send queue (claims, lapsed claims, outcomes) and the delivery
//!   guarantee;
//! * [`transport`] (SMTP or the outbox folder) and [`worker`] (the background sender);
//! * [`unsubscribe`]: the signed, login-free unsubscribe;
//! * [`try_out`]: the preview and "send a test to me";
//! * [`queries`]: what the campaign pages read.

pub mod audience;
pub mod compose;
pub mod lifecycle;
pub mod queries;
pub mod queue;
pub mod render;
pub mod sender;
pub mod transport;
pub mod try_out;
pub mod unsubscribe;
pub mod worker;
