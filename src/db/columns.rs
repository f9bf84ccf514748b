//! The domain's enums as typed columns. Each is stored as its `as_str()` text
//! on both backends, and read back strictly: a stored value that does not
//! parse to exactly the same text (a bug, a hand edit, or a row written by a
//! newer version) is a deserialisation error, never some default status.
//!
//! The impls live here rather than as derives on the enums so that the domain
//! stays free of the storage library.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, Text};

use crate::domain::account::{Locale, Role};
use crate::domain::directory::AgencyLevel;
use crate::domain::escalation::EscalationStatus;
use crate::domain::kind::RequestKind;
use crate::domain::request::{Outcome, Status};
use crate::domain::stats::{FactKind, Timeliness};

macro_rules! stored_as_text {
    ($($ty:ty => $what:literal),* $(,)?) => {$(
        impl AsExpression<Text> for $ty {
            type Expression = <&'static str as AsExpression<Text>>::Expression;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<Text>::as_expression(self.as_str())
            }
        }
        impl AsExpression<Text> for &$ty {
            type Expression = <&'static str as AsExpression<Text>>::Expression;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<Text>::as_expression(self.as_str())
            }
        }
        impl AsExpression<Nullable<Text>> for $ty {
            type Expression = <&'static str as AsExpression<Nullable<Text>>>::Expression;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<Nullable<Text>>::as_expression(self.as_str())
            }
        }
        impl AsExpression<Nullable<Text>> for &$ty {
            type Expression = <&'static str as AsExpression<Nullable<Text>>>::Expression;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<Nullable<Text>>::as_expression(self.as_str())
            }
        }
        impl<DB: Backend> ToSql<Text, DB> for $ty
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }
        impl<DB: Backend> FromSql<Text, DB> for $ty
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let s = String::from_sql(bytes)?;
                <$ty>::parse(&s)
                    .filter(|v| v.as_str() == s)
                    .ok_or_else(|| format!("unknown stored {} {s:?}", $what).into())
            }
        }
        impl<DB: Backend> Queryable<Text, DB> for $ty
        where
            Self: FromSql<Text, DB>,
        {
            type Row = Self;
            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }
    )*};
}

stored_as_text! {
    Status => "request status",
    RequestKind => "request kind",
    Outcome => "answer outcome",
    Role => "role",
    Locale => "locale",
    EscalationStatus => "escalation status",
    AgencyLevel => "agency level",
    FactKind => "statistics fact kind",
    Timeliness => "deadline verdict",
}
