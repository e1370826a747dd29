(method_invocation object: (_) @object name: (identifier) @name (#set! ref "call"))
(method_invocation !object name: (identifier) @name (#set! ref "call"))
(object_creation_expression type: (type_identifier) @name (#set! ref "new"))
((type_identifier) @name (#set! ref "type"))
