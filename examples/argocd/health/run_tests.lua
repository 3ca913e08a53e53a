-- Runs an Argo CD health check against its health_test.yaml, as argo-cd's `go test ./util/lua/`
-- does for its resource_customizations/, but offline, with nothing but Lua 5.1.
-- Usage: lua5.1 run_tests.lua [CHECK_DIR]   (default: the saascript.io check beside this file)

-- YAML: only the subset the fixtures are written in (block mappings and sequences, plain,
-- quoted, integer, boolean and null scalars, whole-line comments). Anything else is an error,
-- so that a fixture the reader misunderstands fails rather than passes.

local function unsupported(what, where)
  error("unsupported YAML (" .. what .. ") in " .. where, 0)
end

local function scalar(text, where)
  if text == "" or text == "~" or text == "null" then
    return nil
  elseif text == "true" or text == "false" then
    return text == "true"
  elseif text == "[]" or text == "{}" then
    return {}
  end
  local double = text:match('^"(.*)"$')
  if double then
    return (double:gsub("\\(.)", function(c)
      if c == '"' or c == "\\" then
        return c
      end
      unsupported("escape \\" .. c, where)
    end))
  end
  local single = text:match("^'(.*)'$")
  if single then
    return (single:gsub("''", "'"))
  end
  if text:match("^%-?%d+$") then
    return tonumber(text)
  end
  if text:match("^[%[{\"'|>&*!%%@`]") or text:find(" #", 1, true) then
    unsupported(text, where)
  end
  return text
end

local function is_item(text)
  return text == "-" or text:match("^%-%s") ~= nil
end

local parse_block

-- The value after `key:` or `-`: inline, or the block on the lines below (a sequence may sit at
-- its key's own indentation, as kubectl writes it).
local function value_of(lines, i, indent, rest)
  if rest ~= "" then
    return scalar(rest, lines[i].where), i + 1
  end
  local below = lines[i + 1]
  if below and (below.indent > indent or (below.indent == indent and is_item(below.text))) then
    return parse_block(lines, i + 1, below.indent)
  end
  return nil, i + 1
end

function parse_block(lines, i, indent)
  if is_item(lines[i].text) then
    local list = {}
    while lines[i] and lines[i].indent == indent and is_item(lines[i].text) do
      local line = lines[i]
      local rest = line.text:match("^%-%s*(.*)$")
      if rest:match("^[^'\"][^:]*:%s") or rest:match("^[^'\"][^:]*:$") then
        -- `- key: value` opens a mapping whose keys line up with `key`.
        line.indent = indent + #line.text - #rest
        line.text = rest
        list[#list + 1], i = parse_block(lines, i, line.indent)
      else
        list[#list + 1], i = value_of(lines, i, indent, rest)
      end
    end
    return list, i
  end
  local map = {}
  while lines[i] and lines[i].indent == indent and not is_item(lines[i].text) do
    local key, rest = lines[i].text:match("^([^:]+):%s*(.-)$")
    if not key then
      unsupported(lines[i].text, lines[i].where)
    end
    map[key], i = value_of(lines, i, indent, rest)
  end
  return map, i
end

local function read_yaml(path)
  local file = assert(io.open(path))
  local lines, n = {}, 0
  for line in file:lines() do
    n = n + 1
    if not line:match("^%s*#") and not line:match("^%s*$") and line ~= "---" then
      local indent, text = line:match("^( *)(.-)%s*$")
      lines[#lines + 1] = { indent = #indent, text = text, where = path .. ":" .. n }
    end
  end
  file:close()
  if #lines == 0 then
    return nil
  end
  local value, i = parse_block(lines, 1, lines[1].indent)
  if lines[i] then
    unsupported("indentation", lines[i].where)
  end
  return value
end

-- What Argo CD gives a check registered in argocd-cm: the base and table libraries and
-- os.time/os.date, with no string library, not even as methods on strings. A check that passes
-- here therefore runs there too.
local BASE = { "assert", "error", "ipairs", "next", "pairs", "pcall", "rawequal", "rawget",
  "rawset", "select", "setmetatable", "getmetatable", "tonumber", "tostring", "type", "unpack",
  "xpcall" }

local function run_check(source, obj)
  local env = { obj = obj, table = table, os = { time = os.time, date = os.date } }
  for _, name in ipairs(BASE) do
    env[name] = _G[name]
  end
  env._G = env
  local chunk = assert(loadstring(source, "=health.lua"))
  setfenv(chunk, env)
  local strings = getmetatable("")
  local methods = strings.__index
  strings.__index = nil
  local ok, hs = pcall(chunk)
  strings.__index = methods
  if not ok then
    return nil, "error: " .. tostring(hs)
  elseif type(hs) ~= "table" then
    return nil, "returned " .. type(hs) .. ", not a table"
  end
  return hs
end

local here = arg[0]:match("^(.*)/[^/]*$") or "."
local dir = arg[1] or (here .. "/_.saascript.io/_")
local file = assert(io.open(dir .. "/health.lua"))
local source = file:read("*a")
file:close()

local suite = read_yaml(dir .. "/health_test.yaml")
local tests = suite and suite.tests
if type(tests) ~= "table" or #tests == 0 then
  io.stderr:write(dir .. "/health_test.yaml lists no tests\n")
  os.exit(1)
end

local failed = 0
for _, test in ipairs(tests) do
  local want = test.healthStatus
  local ok, obj = pcall(read_yaml, dir .. "/" .. test.inputPath)
  local hs, problem
  if ok then
    hs, problem = run_check(source, obj)
  else
    problem = obj
  end
  -- An absent message is an empty one, as Argo CD compares them.
  if hs and hs.status == want.status and (hs.message or "") == (want.message or "") then
    print(("PASS  %-46s %s: %s"):format(test.inputPath, hs.status, hs.message or ""))
  else
    failed = failed + 1
    print(("FAIL  %s"):format(test.inputPath))
    print(("        want %s: %s"):format(want.status, want.message or ""))
    if hs then
      print(("        got  %s: %s"):format(tostring(hs.status), hs.message or ""))
    else
      print("        got  " .. problem)
    end
  end
end
print(("%d passed, %d failed"):format(#tests - failed, failed))
os.exit(failed == 0 and 0 or 1)
