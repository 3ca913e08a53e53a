-- Argo CD health of every kind in saascript.io: Tenant, ServiceDeployment, Subscription, and
-- any kind added later. Uses only Lua's base library: Argo CD opens no string or math library
-- for a check registered in argocd-cm.

local hs = {}
local generation = obj.metadata.generation
local status = obj.status or {}

local function health(value, message)
  hs.status = value
  hs.message = message
  return hs
end

-- A condition counts only when it describes the current spec: one the operator wrote for an
-- older generation says nothing about what was just synced, so an object is never Healthy
-- merely by existing or by what it was before.
local function current(wanted)
  for _, c in ipairs(status.conditions or {}) do
    if c.type == wanted then
      local seen = c.observedGeneration or status.observedGeneration
      if seen ~= nil and seen == generation then
        return c
      end
      return nil
    end
  end
  return nil
end

local function holds(c, value)
  return c ~= nil and c.status == value
end

local function one_of(c, reasons)
  for _, reason in ipairs(reasons) do
    if c.reason == reason then
      return true
    end
  end
  return false
end

local function progressing(c)
  if c ~= nil then
    return health("Progressing", c.message)
  end
  return health("Progressing",
    "Waiting for the operator to observe generation " .. tostring(generation))
end

-- The phase has no generation of its own: it is believed only with the status's.
local phase = nil
if status.observedGeneration ~= nil and status.observedGeneration == generation then
  phase = status.phase
end

if obj.kind == "Tenant" then
  local ready = current("Ready")
  -- Failed is an invalid spec, which the operator does not retry until the spec changes.
  if phase == "Failed" then
    return health("Degraded", ready ~= nil and ready.message or "the spec cannot be provisioned")
  end
  local suspended = current("Suspended")
  if holds(suspended, "True") or phase == "Suspended" then
    return health("Suspended", suspended ~= nil and suspended.message or "the tenant is suspended")
  end
  if holds(ready, "True") then
    return health("Healthy", ready.message)
  end
  -- A backing system that is down or refuses is retried with back-off: still on its way.
  return progressing(ready)
end

if obj.kind == "ServiceDeployment" then
  local degraded = current("Degraded")
  if holds(degraded, "True") then
    return health("Degraded", degraded.message)
  end
  local available = current("Available")
  -- Parked at zero for a suspended tenant, or a template that only ever runs as its copies.
  if holds(available, "False") and one_of(available, { "Suspended", "Template" }) then
    return health("Suspended", available.message)
  end
  if holds(available, "True") then
    return health("Healthy", available.message)
  end
  return progressing(available)
end

if obj.kind == "Subscription" then
  local synced = current("Synced")
  local payment = current("PaymentOK")
  -- Neither resolves by waiting: the plan or the Stripe price must be fixed in the catalog.
  if holds(synced, "False") and one_of(synced, { "UnknownPlan", "UnknownStripePrice" }) then
    return health("Degraded", synced.message)
  end
  -- Before the first payment the default plan is in force and nothing has lapsed: a new paid
  -- subscription looks like this until Stripe confirms it.
  if holds(payment, "False") and not one_of(payment, { "AwaitingPayment", "Incomplete" }) then
    return health("Degraded", payment.message)
  end
  if holds(synced, "True") and holds(payment, "True") then
    return health("Healthy", payment.message)
  end
  if holds(synced, "True") then
    return progressing(payment)
  end
  return progressing(synced)
end

local ready = current("Ready")
if holds(ready, "True") then
  return health("Healthy", ready.message)
end
return progressing(ready)
