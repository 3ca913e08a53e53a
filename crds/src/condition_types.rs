//! The condition types (and the reasons others read) that SaaScript's controllers write, named
//! once: the operator writes them, and the services, the gateway and the tests read them.

// Tenant.
/// All of the tenant's systems are provisioned and its credentials are in place.
pub const READY: &str = "Ready";
pub const NAMESPACE_READY: &str = "NamespaceReady";
/// One per backing system.
pub const DATABASE_READY: &str = "DatabaseReady";
pub const QUEUE_READY: &str = "QueueReady";
pub const TOPICS_READY: &str = "TopicsReady";
pub const TABLE_READY: &str = "TableReady";
pub const CACHE_READY: &str = "CacheReady";
/// The tenant may not be used: suspended by an admin, or for a payment lapse.
pub const SUSPENDED: &str = "Suspended";
/// Deletion waits, for example on `preventDeletion`.
pub const DELETION_BLOCKED: &str = "DeletionBlocked";
/// The reason of a system's condition while the tenant's credentials there are turned off. The
/// condition stays True: the resource is as it should be for a suspended tenant.
pub const ACCESS_SUSPENDED: &str = "AccessSuspended";

// Subscription.
/// The Subscription mirrors Stripe.
pub const SYNCED: &str = "Synced";
/// Whether payment stands; its reason says how.
pub const PAYMENT_OK: &str = "PaymentOK";

// ServiceDeployment.
/// Read from the Deployment: its minimum of replicas is ready.
pub const AVAILABLE: &str = "Available";
/// Read from the Deployment: a rollout is under way or complete.
pub const PROGRESSING: &str = "Progressing";
/// The service cannot reach what it is asked: an invalid spec, a rollout past its deadline, or
/// replicas the cluster refused to create.
pub const DEGRADED: &str = "Degraded";

// Labels.
/// A ServiceDeployment in the system namespace with this label set to "true" is a template,
/// stamped into every siloed tenant's namespace rather than run itself.
pub const TEMPLATE_LABEL: &str = "saascript.io/template";
