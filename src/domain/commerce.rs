//! Customers: the revenue side of a store. Products are sold; recording a purchase is the
//! auto-sync (the customer and the fan change together, exactly once), and a manual sale is
//! a purchase recorded by hand, with its new product if it has one; refunds take money
//! and points back; subscriptions and enrollments follow from what was bought; the revenue
//! dashboard reads rollups the database keeps inside those same transactions
//! ([`crate::domain::derived`]).

pub mod customers;
pub mod manual_sale;
pub mod products;
pub mod purchases;
pub mod refunds;
pub mod revenue;
pub mod subscriptions;
