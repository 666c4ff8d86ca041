//! The parts of a CloudTrail record that usage needs, borrowed from the file's bytes.
//!
//! Fields: <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html>;
//! `userIdentity`: <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html>.
//! Everything else of a record (responseElements, tlsDetails, …) is skipped without being
//! built. Strings are `Cow`: borrowed unless the JSON escapes them.

use std::{borrow::Cow, fmt};

use serde::{
    Deserialize, Deserializer,
    de::{
        IgnoredAny, MapAccess, SeqAccess, Visitor,
        value::{MapAccessDeserializer, SeqAccessDeserializer},
    },
};

/// An object or array field read leniently: any other JSON value reads as absent, for the
/// same reason as [`Text`]. One pass, no intermediate tree.
#[derive(Debug)]
pub(crate) struct Lenient<T>(pub(crate) Option<T>);

impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Lenient(None)
    }
}

impl<T> Lenient<T> {
    pub(crate) fn get(&self) -> Option<&T> {
        self.0.as_ref()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Lenient<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(|v| Lenient(Some(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                T::deserialize(SeqAccessDeserializer::new(seq)).map(|v| Lenient(Some(v)))
            }
            fn visit_borrowed_str<E>(self, _: &'de str) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(self)
            }
        }
        deserializer.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A string field read leniently: any other JSON value (a number, an object, null) reads as
/// absent instead of failing the whole record, because services put all sorts of shapes under
/// the same parameter names, and a record is only malformed when what usage needs is.
#[derive(Debug, Default)]
pub(crate) struct Text<'a>(pub(crate) Option<Cow<'a, str>>);

impl<'a> Text<'a> {
    pub(crate) fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v))))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(V)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// One CloudTrail record.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Record<'a> {
    #[serde(borrow)]
    pub(crate) event_time: Text<'a>,
    #[serde(borrow)]
    pub(crate) event_source: Text<'a>,
    #[serde(borrow)]
    pub(crate) event_name: Text<'a>,
    #[serde(borrow)]
    pub(crate) aws_region: Text<'a>,
    #[serde(borrow)]
    pub(crate) error_code: Text<'a>,
    #[serde(borrow)]
    pub(crate) recipient_account_id: Text<'a>,
    #[serde(borrow, rename = "sharedEventID")]
    pub(crate) shared_event_id: Text<'a>,
    #[serde(borrow)]
    pub(crate) event_type: Text<'a>,
    #[serde(borrow)]
    pub(crate) user_identity: Lenient<UserIdentity<'a>>,
    #[serde(borrow)]
    pub(crate) request_parameters: Lenient<RequestParameters<'a>>,
    #[serde(borrow)]
    pub(crate) resources: Lenient<Vec<Lenient<ResourceRef<'a>>>>,
}

/// `userIdentity`.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct UserIdentity<'a> {
    #[serde(borrow, rename = "type")]
    pub(crate) kind: Text<'a>,
    #[serde(borrow)]
    pub(crate) principal_id: Text<'a>,
    #[serde(borrow)]
    pub(crate) arn: Text<'a>,
    #[serde(borrow)]
    pub(crate) account_id: Text<'a>,
    #[serde(borrow)]
    pub(crate) user_name: Text<'a>,
    #[serde(borrow)]
    pub(crate) invoked_by: Text<'a>,
    #[serde(borrow)]
    pub(crate) identity_provider: Text<'a>,
    #[serde(borrow)]
    pub(crate) session_context: Lenient<SessionContext<'a>>,
    #[serde(borrow)]
    pub(crate) on_behalf_of: Lenient<OnBehalfOf<'a>>,
}

/// `userIdentity.sessionContext`.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct SessionContext<'a> {
    #[serde(borrow)]
    pub(crate) session_issuer: Lenient<SessionIssuer<'a>>,
    #[serde(borrow)]
    pub(crate) source_identity: Text<'a>,
    #[serde(borrow)]
    pub(crate) web_id_federation_data: Lenient<WebIdFederationData<'a>>,
}

/// `userIdentity.sessionContext.sessionIssuer`.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct SessionIssuer<'a> {
    #[serde(borrow, rename = "type")]
    pub(crate) kind: Text<'a>,
    #[serde(borrow)]
    pub(crate) arn: Text<'a>,
    #[serde(borrow)]
    pub(crate) account_id: Text<'a>,
}

/// `userIdentity.sessionContext.webIdFederationData`.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct WebIdFederationData<'a> {
    #[serde(borrow)]
    pub(crate) federated_provider: Text<'a>,
}

/// `userIdentity.onBehalfOf`: the Identity Center user a session is for.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct OnBehalfOf<'a> {
    #[serde(borrow)]
    pub(crate) user_id: Text<'a>,
    #[serde(borrow)]
    pub(crate) identity_store_arn: Text<'a>,
}

/// One entry of `resources`.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(crate) struct ResourceRef<'a> {
    #[serde(borrow, rename = "ARN")]
    pub(crate) arn: Text<'a>,
    #[serde(borrow, rename = "type")]
    pub(crate) kind: Text<'a>,
}

/// The request parameters that name the resource a call acts on, for the services whose
/// records do not list it in `resources`. Others are skipped.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct RequestParameters<'a> {
    #[serde(borrow)]
    pub(crate) bucket_name: Text<'a>,
    #[serde(borrow)]
    pub(crate) key: Text<'a>,
    #[serde(borrow)]
    pub(crate) version_id: Text<'a>,
    #[serde(borrow)]
    pub(crate) function_name: Text<'a>,
    #[serde(borrow)]
    pub(crate) table_name: Text<'a>,
    #[serde(borrow)]
    pub(crate) key_id: Text<'a>,
    #[serde(borrow)]
    pub(crate) queue_url: Text<'a>,
    #[serde(borrow)]
    pub(crate) topic_arn: Text<'a>,
    #[serde(borrow)]
    pub(crate) secret_id: Text<'a>,
    #[serde(borrow)]
    pub(crate) role_name: Text<'a>,
    #[serde(borrow)]
    pub(crate) user_name: Text<'a>,
    #[serde(borrow)]
    pub(crate) group_name: Text<'a>,
    #[serde(borrow)]
    pub(crate) policy_arn: Text<'a>,
    #[serde(borrow)]
    pub(crate) role_arn: Text<'a>,
    #[serde(borrow)]
    pub(crate) instance_id: Text<'a>,
    #[serde(borrow)]
    pub(crate) repository_name: Text<'a>,
    #[serde(borrow)]
    pub(crate) project_name: Text<'a>,
    #[serde(borrow)]
    pub(crate) state_machine_arn: Text<'a>,
    #[serde(borrow)]
    pub(crate) stack_name: Text<'a>,
    #[serde(borrow)]
    pub(crate) name: Text<'a>,
}
