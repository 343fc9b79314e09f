-- fingate response shaping for transcoded REST responses (envoy/README.md has the protocol).
-- Listed before the transcoder in http_filters, so on the way out it sees JSON, not gRPC.

-- Local replies carry this mark (added by local_reply_config); they are already enveloped.
local LOCAL_MARK = "x-fingate-local-reply"

-- Server-to-Envoy protocol headers and gRPC framing headers: never shown to REST clients.
local INTERNAL = {
  "x-http-code", "x-rest-error", "x-rest-content-type",
  "grpc-status", "grpc-message", "grpc-accept-encoding", "grpc-encoding", "grpc-status-details-bin",
}
local IS_INTERNAL = {}
for _, name in ipairs(INTERNAL) do IS_INTERNAL[name] = true end

-- CODES and TEXTS (status → envelope code and message, for an error whose server rendered no
-- body) are generated from the status table and prepended (server/platform/contract/edge_replies.py).

local function starts_with(s, prefix)
  return s:sub(1, #prefix) == prefix
end

local function percent_decode(s)
  return (s:gsub("%%(%x%x)", function(hex) return string.char(tonumber(hex, 16)) end))
end

local function strip_internal(map)
  for _, name in ipairs(INTERNAL) do map:remove(name) end
end

-- Trailers never reach HTTP/1.1 clients; h2 clients would see gRPC's, so drop them all.
local function drop_trailers(trailers)
  if trailers == nil then return end
  local names = {}
  for name, _ in pairs(trailers) do names[#names + 1] = name end
  for _, name in ipairs(names) do trailers:remove(name) end
end

local function shape_success(handle, headers)
  local code = tonumber(headers:get("x-http-code") or "")
  strip_internal(headers)
  if code == 204 then
    -- The transcoder holds a unary response until its end, so buffering it here is cheap.
    local body = handle:body()
    if body ~= nil and body:length() > 0 then body:setBytes("") end
    headers = handle:headers() -- the map fetched before body() is no longer valid
    headers:replace(":status", "204")
    headers:remove("content-type")
    headers:remove("content-length")
    drop_trailers(handle:trailers())
    return
  end
  if code ~= nil and code >= 200 and code < 300 then
    headers:replace(":status", tostring(code))
  end
  -- Stream the body through (no buffering) only to reach and drop the gRPC trailers.
  for _ in handle:bodyChunks() do end
  drop_trailers(handle:trailers())
end

-- The transcoder's google.rpc.Status JSON: {"code":N,"message":"<JSON-escaped>","details":[...]}.
local function status_message(body_text)
  return body_text:match('^{"code":%d+,"message":"(.-)","details"')
end

local function generic_envelope(status, body_text)
  local message = TEXTS[status] or "Request failed"
  -- grpcio puts an uncaught exception's text in the message of UNKNOWN (500): never show it.
  if status ~= 500 then
    local from_server = status_message(body_text)
    if from_server ~= nil and from_server ~= "" then message = from_server end
  end
  local code = CODES[status] or (status >= 500 and "INTERNAL_ERROR" or "INVALID_INPUT")
  return string.format('{"success":false,"error":"%s","code":"%s","statusCode":%d}',
    message, code, status)
end

local function rewrite_error(handle, status)
  local body = handle:body(true) -- error bodies are small; true: a buffer even when empty
  local trailers = handle:trailers()
  local headers = handle:headers()
  -- Trailers-only errors carry the protocol in headers; errors after headers in trailers.
  local function pick(name)
    local value = headers:get(name)
    if value == nil and trailers ~= nil then value = trailers:get(name) end
    return value
  end
  local rest_error = pick("x-rest-error")
  local content_type = pick("x-rest-content-type") or "application/json"
  local http_code = tonumber(pick("x-http-code") or "")
  if http_code ~= nil and http_code >= 400 and http_code < 600 then status = http_code end
  if trailers ~= nil then
    -- Trailing metadata (retry-after, x-ratelimit-*, x-request-id) becomes headers.
    for name, value in pairs(trailers) do
      if not IS_INTERNAL[name] and not starts_with(name, "grpc-") then headers:add(name, value) end
    end
    drop_trailers(trailers)
  end
  local text
  if rest_error ~= nil then
    text = percent_decode(rest_error)
  else
    local old = body ~= nil and body:getBytes(0, body:length()) or ""
    text = generic_envelope(status, old)
    content_type = "application/json"
  end
  if body ~= nil then
    body:setBytes(text)
  end
  headers = handle:headers()
  strip_internal(headers)
  headers:replace(":status", tostring(status))
  headers:replace("content-type", content_type)
  headers:replace("content-length", tostring(#text))
end

function envoy_on_response(handle)
  local headers = handle:headers()
  local content_type = headers:get("content-type") or ""
  -- Native gRPC keeps its status and trailers.
  if starts_with(content_type, "application/grpc") then
    return
  end
  -- SSE streams unbuffered: touch the headers only, never the body.
  if starts_with(content_type, "text/event-stream") then
    strip_internal(headers)
    return
  end
  if headers:get(LOCAL_MARK) ~= nil then
    headers:remove(LOCAL_MARK)
    return
  end
  local status = tonumber(headers:get(":status")) or 500
  if status >= 400 then
    rewrite_error(handle, status)
  else
    shape_success(handle, headers)
  end
end

-- The organization a request names in its query (`?organizationId=`) travels to the server as
-- x-fingate-query-organization-id, and leaves the query: the transcoder would otherwise write
-- it into the same request field as the JSON body's `organizationId`, and the server could no
-- longer see that the two disagree (DESIGN.md "Tenancy": conflicting sources are refused).
local QUERY_ORG_HEADER = "x-fingate-query-organization-id"
local QUERY_ORG_KEYS = { organizationId = true, organization_id = true }

-- Request headers that reach the server: the metadata it reads, what gRPC framing and the
-- transcoder need, and Envoy's own x-envoy-external-address. Everything else is dropped here:
-- HTTP/1.1 allows header names (`a*b`, `!`) and values (bytes above 0x7e) that gRPC metadata
-- cannot carry, and grpc core fails such a call before any of our code runs (a 500).
local FORWARDED = {
  ["authorization"] = true, ["cookie"] = true, ["x-organization-id"] = true,
  ["idempotency-key"] = true, ["x-request-id"] = true, ["content-type"] = true,
  ["content-length"] = true, ["te"] = true, ["user-agent"] = true,
  -- The QuickBooks webhook's signature (verified by the server over the raw body).
  ["intuit-signature"] = true,
  -- Envoy's own: the client's address, and the scheme its router matches routes with
  -- (without x-forwarded-proto no route matches at all).
  ["x-envoy-external-address"] = true, ["x-forwarded-proto"] = true,
  ["grpc-timeout"] = true, ["grpc-encoding"] = true, ["grpc-accept-encoding"] = true,
}

-- Header values need no check here: Envoy's codec refuses control characters other than tab
-- (400) before any filter runs, and the server validates each header it reads. The query's
-- organization, which this filter turns into a header, must be printable ASCII.
local UNPRINTABLE = "[^\32-\126]"

-- Envoy's local reply: local_reply_config renders it in the route's error envelope, with
-- `reason` as details.reason (x-fingate-rejected picks the mapper that says so).
local function refuse(handle, reason)
  handle:headers():replace("x-fingate-rejected", "1")
  handle:respond({[":status"] = "400"}, reason)
end

local function filter_headers(headers)
  local dropped = {}
  -- The loop must run to its end before the map changes: Envoy refuses any change to a header
  -- map while an iteration over it is unfinished (an early `return` here once made a 500).
  for name, _ in pairs(headers) do
    if name:sub(1, 1) ~= ":" and not FORWARDED[name] then dropped[#dropped + 1] = name end
  end
  for _, name in ipairs(dropped) do headers:remove(name) end
end

-- The path the access log shows (envoy.yaml.tmpl reads it from dynamic metadata): without
-- its query, and with path segments that may be single-use secrets replaced. An invitation is
-- accepted by its emailed token; any other segment longer than a UUID is token-shaped too.
local function log_path(path)
  local bare = path:match("^[^?]*") or ""
  bare = bare:gsub("(/invitations/)[^/]+(/accept)", "%1{token}%2")
  return (bare:gsub("/[^/]+", function(segment)
    if #segment > 37 then return "/{redacted}" end
    return segment
  end))
end

-- BODY_BINDINGS (generated, prepended by server/dev/devstack/envoy.py): per bound route, its verb,
-- a pattern capturing the path variables, and per variable the body keys naming the same
-- field. The transcoder refuses a body key equal to the field's proto name, but lets the path
-- silently win over its JSON name (`budgetId`); that contradiction is refused here.
BODY_BINDINGS = BODY_BINDINGS or {}

local function json_string_value(text, key)
  return text:match('"' .. key .. '"%s*:%s*"([^"]*)"')
end

local function body_contradicts_path(handle, method, path)
  local bare = path:match("^[^?]*")
  for _, binding in ipairs(BODY_BINDINGS) do
    if binding.verb == method then
      local captures = { bare:match(binding.pattern) }
      if #captures > 0 then
        local body = handle:body()
        if body == nil or body:length() == 0 then return nil end
        local text = body:getBytes(0, body:length())
        for index, keys in ipairs(binding.keys) do
          local from_path = percent_decode(captures[index]):lower()
          for _, key in ipairs(keys) do
            local from_body = json_string_value(text, key)
            if from_body ~= nil and from_body:lower() ~= from_path then
              return key .. " in the body does not match the path"
            end
          end
        end
        return nil
      end
    end
  end
  return nil
end

function envoy_on_request(handle)
  local headers = handle:headers()
  local path = headers:get(":path")
  if path ~= nil then
    handle:streamInfo():dynamicMetadata():set("fingate", "path", log_path(path))
  end
  filter_headers(headers)
  local method = headers:get(":method")
  if path ~= nil and (method == "POST" or method == "PUT" or method == "PATCH") then
    local conflict = body_contradicts_path(handle, method, path)
    if conflict ~= nil then return refuse(handle, conflict) end
    headers = handle:headers() -- the map fetched before body() is no longer valid
  end
  local q = path and path:find("?", 1, true)
  if q == nil then return end
  local kept, values = {}, {}
  for pair in path:sub(q + 1):gmatch("[^&]+") do
    local key, value = pair:match("^([^=]*)=?(.*)$")
    if QUERY_ORG_KEYS[key] then
      local decoded = percent_decode(value:gsub("+", " "))
      -- It travels as a header value: control characters would make Envoy drop the request.
      if decoded:find(UNPRINTABLE) or decoded:find(",", 1, true) then
        return refuse(handle, "organizationId must be an organization id")
      end
      values[#values + 1] = decoded
    else
      kept[#kept + 1] = pair
    end
  end
  if #values == 0 then return end
  headers:add(QUERY_ORG_HEADER, table.concat(values, ","))
  local rebuilt = path:sub(1, q - 1)
  if #kept > 0 then rebuilt = rebuilt .. "?" .. table.concat(kept, "&") end
  headers:replace(":path", rebuilt)
end
