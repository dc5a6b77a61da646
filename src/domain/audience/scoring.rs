//! Engagement points. A fan's score is a ledger: every activity row carries its points and
//! the score is their sum.

use crate::money::MinorUnits;

/// Minor units per purchase point: one point per whole $10 (or 10 of any currency's major
/// unit in cents).
pub const MINOR_UNITS_PER_POINT: i64 = 1000;

/// Points for a purchase of `net` (amount minus refunds): `floor(net / 1000)`.
pub fn purchase_points(net: MinorUnits) -> i64 {
    net.get().max(0) / MINOR_UNITS_PER_POINT
}

/// An email engagement worth points the first time it happens for its reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engagement {
    /// The first human open of a campaign.
    Open,
    /// The first click in a campaign.
    Click,
    /// A reply to an email.
    Reply,
}

impl Engagement {
    pub const fn points(self) -> i64 {
        match self {
            Engagement::Open => 1,
            Engagement::Click => 3,
            Engagement::Reply => 5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_purchase_earns_a_point_per_whole_ten() {
        let cases = [
            (0, 0),
            (999, 0),
            (1_000, 1),
            (9_900, 9),
            (10_550, 10),
            (129_999, 129),
            (-500, 0),
        ];
        for (net, points) in cases {
            assert_eq!(purchase_points(MinorUnits::new(net)), points, "net {net}");
        }
    }

    #[test]
    fn typed_prices_become_the_designed_points() {
        let usd = crate::money::Currency::from_code("USD").unwrap();
        let cases = [("$9.99", 0), ("$10.00", 1), ("$99", 9), ("$105.50", 10)];
        for (typed, points) in cases {
            assert_eq!(
                purchase_points(usd.parse(typed).unwrap().minor()),
                points,
                "{typed}"
            );
        }
    }

    #[test]
    fn engagement_points_follow_the_design() {
        assert_eq!(Engagement::Open.points(), 1);
        assert_eq!(Engagement::Click.points(), 3);
        assert_eq!(Engagement::Reply.points(), 5);
    }
}
