(call_expression function: (identifier) @name (#set! ref "call"))
(call_expression function: (field_expression argument: (_) @object field: (field_identifier) @name) (#set! ref "call"))
((type_identifier) @name (#set! ref "type"))
