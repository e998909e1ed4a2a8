-- Identifier lookup for deid: PatientID -> research ID from a site mapping.
-- Run with:  deid put INPUT --default --recipe deid.research-ids \
--              --lua lookup.lua --lua-data mapping.csv -o OUT
-- The mapping is read once, when the script loads.
-- Paths are relative to where deid runs; the file must also be given with --lua-data.
local research_ids = deid.csv("recipes/examples/research-ids/mapping.csv", "PatientID", "ResearchID")

-- func:research_id -- the research ID for this file's PatientID. A patient
-- missing from the mapping is an error, so no file leaves with its real ID.
function research_id(field, value, vars, dataset)
  local id = research_ids[dataset:get("PatientID") or ""]
  if id == nil then
    error("PatientID is not in mapping.csv")
  end
  return id
end

-- func:keyed_accession -- a stable pseudonym: HMAC of the accession number
-- with a site secret given as a variable (--vars secrets.json).
function keyed_accession(field, value, vars, dataset)
  if vars.site_secret == nil then
    error("set site_secret with --vars")
  end
  return string.sub(deid.hmac_sha256(vars.site_secret, field.value), 1, 16)
end
