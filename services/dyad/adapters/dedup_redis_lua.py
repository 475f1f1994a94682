"""The Redis dedup script: one atomic check-and-insert of a whole batch.

It mirrors dyad.core.dedup_index step by step (redelivery, revision by id,
exact, revision by url, near by LSH bands and the integer rule, unique; window
in event time; the ring's cap and expiry), so both backends decide alike.
Keys (one hash tag, so Redis Cluster keeps them in one slot), under PREFIX:
  next, oldest, maxts, evictions, expired   counters
  e:<seq>        the entry (cmsgpack)
  id:, ct:, u:, cl:<hex>   lists of seqs, newest first (a stale seq ends a walk)
  b:<band>:<4 hex>         hashes: field = the other 12 hex digits of the band
                           key, value = its seqs newest first ("9 7 2"); about
                           a third of the memory of one list a band key
An entry leaving the ring takes its seqs out of every list and band field.
ARGV: prefix, window, cap, ttl, near, contain_pct, contain_min_shingles,
contain_min_matches, veto, num_perm, bands, then 11 values per fingerprint:
article id, id hex, content hex, url hex ('' if none), source hex, ts, shingles,
numbers high and low 32 bits, signature (bytes), band keys (hex, concatenated).
"""

SCRIPT = r"""
local P = ARGV[1]
local window, cap, ttl = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local NEAR, CPCT, CMINSH, CMINM = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local VETO, NPERM, NBANDS = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])

local function num(k, d) local v = redis.call('GET', P .. k); if v then return tonumber(v) end; return d end
local nextseq, oldest = num('next', 0), num('oldest', 0)
local maxts = num('maxts', nil)
local evictions, expired = 0, 0
local cache = {}

local function entry(seq)
  local e = cache[seq]
  if e ~= nil then return e end
  local raw = redis.call('GET', P .. 'e:' .. seq)
  if raw then e = cmsgpack.unpack(raw) else e = false end
  cache[seq] = e
  return e
end

local function live(key)
  local out, last = {}, nextseq
  for _, v in ipairs(redis.call('LRANGE', P .. key, 0, -1)) do
    local s = tonumber(v)
    if s < oldest or s >= last then break end
    out[#out + 1] = s
    last = s
  end
  return out
end

local function band_key(b, hex)
  return P .. 'b:' .. b .. ':' .. string.sub(hex, 1, 4), string.sub(hex, 5)
end

local function band_live(b, hex)
  local k, f = band_key(b, hex)
  local v = redis.call('HGET', k, f)
  local out, last = {}, nextseq
  if v then
    for x in string.gmatch(v, '%d+') do
      local s = tonumber(x)
      if s < oldest or s >= last then break end
      out[#out + 1] = s
      last = s
    end
  end
  return out
end

local function band_store(b, hex, first)
  local kept = band_live(b, hex)
  if first then table.insert(kept, 1, first) end
  local k, f = band_key(b, hex)
  if #kept == 0 then redis.call('HDEL', k, f) else redis.call('HSET', k, f, table.concat(kept, ' ')) end
end

local function band_hex(fp, b) return string.sub(fp.bands, b * 16 - 15, b * 16) end

local function popcount(x)
  local c = 0
  for i = 0, 31 do if bit.band(x, bit.lshift(1, i)) ~= 0 then c = c + 1 end end
  return c
end

local function differ(ah, al, bh, bl)
  local ab = popcount(bit.band(ah, bit.bnot(bh))) + popcount(bit.band(al, bit.bnot(bl)))
  local ba = popcount(bit.band(bh, bit.bnot(ah))) + popcount(bit.band(bl, bit.bnot(al)))
  return ab >= VETO and ba >= VETO
end

local function near(m, na, nb, fp, e)
  if differ(fp.nh, fp.nl, e.nh, e.nl) then return false end
  if m >= NEAR then return true end
  local short = math.min(na, nb)
  if short < CMINSH or m < CMINM then return false end
  return m * (na + nb) * 100 >= CPCT * (NPERM + m) * short
end

local function first_of(e) if e.fi ~= '' then return e.fi end; return e.id end

local function newest_member(e, seq)
  local members = live('cl:' .. e.cl)
  return members, entry(members[1] or seq)
end

local function stored(e)
  local first, rvof = '', ''
  if e.st ~= 0 then first = first_of(e) end
  if e.rk == 1 then rvof = e.id elseif e.rk == 2 then rvof = e.ro end
  return {e.st, first, e.cl, rvof, e.a, e.so, e.m, e.nb, e.sh}
end

local function join(fp, seq, st, m, nb)
  local members, ne = newest_member(entry(seq), seq)
  local known = 0
  for _, s in ipairs(members) do
    local me = entry(s)
    if me and me.src == fp.src then known = 1; break end
  end
  return {st, first_of(ne), ne.cl, '', ne.a + 1, ne.so + 1 - known, m, nb, fp.sh}, 0, first_of(ne)
end

local function revision(fp, seq, kind)
  local e = entry(seq)
  local _, ne = newest_member(e, seq)
  local of = fp.id
  if kind == 2 then of = e.id end
  return {0, '', ne.cl, of, ne.a, ne.so, -2, 0, fp.sh}, kind, first_of(ne)
end

local function in_window(e, fp) return e and math.abs(e.ts - fp.ts) <= window end

local function match(fp)
  for _, s in ipairs(live('ct:' .. fp.c)) do
    if in_window(entry(s), fp) then return join(fp, s, 1, -1, 0) end
  end
  if fp.u ~= '' then
    for _, s in ipairs(live('u:' .. fp.u)) do
      if in_window(entry(s), fp) then return revision(fp, s, 2) end
    end
  end
  local seen, best, bestm = {}, nil, -1
  for b = 1, NBANDS do
    for _, s in ipairs(band_live(b - 1, band_hex(fp, b))) do
      if not seen[s] then
        seen[s] = true
        local e = entry(s)
        if in_window(e, fp) then
          local m = 0
          for i = 1, NPERM do if string.byte(e.sig, i) == string.byte(fp.sig, i) then m = m + 1 end end
          if near(m, fp.sh, e.sh, fp, e) and (m > bestm or (m == bestm and s < best)) then
            best, bestm = s, m
          end
        end
      end
    end
  end
  if best then return join(fp, best, 2, bestm, entry(best).sh) end
  return {0, '', fp.idh, '', 1, 1, -2, 0, fp.sh}, 0, ''
end

local function drop()
  local e = entry(oldest)
  redis.call('DEL', P .. 'e:' .. oldest)
  cache[oldest] = nil
  oldest = oldest + 1
  if e then  -- clear its traces: the oldest seq is at the tail of every list
    for _, k in ipairs({'id:' .. e.idh, 'ct:' .. e.c, 'cl:' .. e.cl, 'u:' .. e.u}) do
      redis.call('LREM', P .. k, -1, oldest - 1)
    end
    for b = 1, NBANDS do band_store(b - 1, string.sub(e.bd, b * 16 - 15, b * 16), nil) end
  end
end

local function push(key, seq)
  redis.call('LPUSH', P .. key, seq)
  redis.call('EXPIRE', P .. key, ttl)
end

local function insert(fp, d, kind, first)
  if maxts == nil or fp.ts > maxts then maxts = fp.ts end
  while oldest < nextseq do
    local e = entry(oldest)
    if e and e.ts >= maxts - window then break end
    drop(); expired = expired + 1
  end
  if nextseq - oldest >= cap then drop(); evictions = evictions + 1 end
  local seq = nextseq
  local e = {id = fp.id, idh = fp.idh, c = fp.c, u = fp.u, src = fp.src, cl = d[3], ts = fp.ts,
             sh = fp.sh, nh = fp.nh, nl = fp.nl, sig = fp.sig, st = d[1], m = d[7], nb = d[8],
             a = d[5], so = d[6], rk = kind, fi = first, ro = '', bd = fp.bands}
  if kind == 2 then e.ro = d[4] end
  redis.call('SET', P .. 'e:' .. seq, cmsgpack.pack(e), 'EX', ttl)
  cache[seq] = e
  push('id:' .. fp.idh, seq); push('ct:' .. fp.c, seq); push('cl:' .. d[3], seq)
  if fp.u ~= '' then push('u:' .. fp.u, seq) end
  for b = 1, NBANDS do band_store(b - 1, band_hex(fp, b), seq) end
  nextseq = seq + 1
end

local results = {}
local i = 12
while i + 10 <= #ARGV do
  local fp = {id = ARGV[i], idh = ARGV[i + 1], c = ARGV[i + 2], u = ARGV[i + 3], src = ARGV[i + 4],
              ts = tonumber(ARGV[i + 5]), sh = tonumber(ARGV[i + 6]), nh = tonumber(ARGV[i + 7]),
              nl = tonumber(ARGV[i + 8]), sig = ARGV[i + 9], bands = ARGV[i + 10]}
  i = i + 11
  local done = nil
  for _, s in ipairs(live('id:' .. fp.idh)) do
    local e = entry(s)
    if e and e.c == fp.c then done = stored(e); break end
  end
  if done == nil then
    local same = live('id:' .. fp.idh)
    local d, kind, first
    if #same > 0 then d, kind, first = revision(fp, same[1], 1) else d, kind, first = match(fp) end
    if d[1] ~= 0 then first = d[2] end
    insert(fp, d, kind, first)
    done = d
  end
  results[#results + 1] = done
end
redis.call('SET', P .. 'next', nextseq)
redis.call('SET', P .. 'oldest', oldest)
if maxts ~= nil then redis.call('SET', P .. 'maxts', string.format('%.17g', maxts)) end
local ev = redis.call('INCRBY', P .. 'evictions', evictions)
local ex = redis.call('INCRBY', P .. 'expired', expired)
return {results, nextseq - oldest, ev, ex, nextseq}
"""  # noqa: E501 - Lua source
