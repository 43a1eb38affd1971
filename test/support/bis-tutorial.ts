/** The attributes BIS's Entra tutorial marks "Required by BIS" (shared/reference/bis-provisioning-tutorial.txt). */
export const BIS_REQUIRED_ATTRIBUTES = [
  "userName",
  "active",
  "name.givenName",
  "name.familyName",
  'addresses[type eq "work"].region',
  'addresses[type eq "work"].country',
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
] as const;
