(call_expression function: (identifier) @name (#set! ref "call"))
(call_expression function: (member_expression object: (_) @object property: (property_identifier) @name) (#set! ref "call"))
(new_expression constructor: (identifier) @name (#set! ref "new"))
(new_expression constructor: (member_expression object: (_) @object property: (property_identifier) @name) (#set! ref "new"))
((type_identifier) @name (#set! ref "type"))
(import_statement) @import
(variable_declarator value: (call_expression function: (identifier) @_req (#eq? @_req "require"))) @import
