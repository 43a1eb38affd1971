/** The attributes BIS's Entra set-up guide (the BIS provisioning tutorial) marks "Required by BIS". */
export const BIS_REQUIRED_ATTRIBUTES = [
  "userName",
  "active",
  "name.givenName",
  "name.familyName",
  'addresses[type eq "work"].region',
  'addresses[type eq "work"].country',
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
] as const;
