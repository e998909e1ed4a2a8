-- YES for the element ADD is about to create, NO for an element already there.
function identity_removed(field, value)
    if field.value == nil and field.keyword == "PatientIdentityRemoved" and field.tag == "(0012,0062)" then
        return "YES"
    end
    if field.value ~= nil then
        return "NO"
    end
    return "WRONG " .. field.tag
end
